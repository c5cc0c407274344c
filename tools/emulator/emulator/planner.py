"""The reply planner: one set of rules, shared by every request format.

Given a ``Conversation`` the planner decides, in this order:

e. ``[[guardrail]]`` in the latest user text, with a guardrail configured: the guardrail
   intervenes and the reply is its canned message (stop ``guardrail_intervened``).
a. The latest user turn carries a tool result: reply ``Tool said: <result text>``.
b. Tools are offered and the tool choice forces one (a named tool, or any: the first
   tool), or the latest user text holds ``[[tool:NAME]]`` / ``[[tool:NAME {json}]]``:
   reply with a call to that tool (stop ``tool_use``). Its input is the directive's JSON,
   or is made up from the tool's input schema.
h. Otherwise, when a system tool is offered (Converse ``systemTool``: the first one), the
   service runs it on the latest user text before the model answers: ``nova_grounding``
   searches the web and finds a page on each example site, ``nova_code_interpreter`` runs
   code that prints the text. The reply is the tool's call and result, then ``You said:
   <latest user text>``, then for a search `` Sources: <domains>.`` citing the pages.
c. Otherwise, when documents in the request have citations enabled, reply
   ``According to <name>: <passage>`` for each of them (joined by a space), citing the
   passage: the first sentence of its text, or the first non-blank block of a ``content``
   source. Else reply ``You said: <latest user text>``.
d. When the request enables reasoning, a reasoning block ``Thinking about: <text>`` comes
   first, with signature ``sig-<hash>``.
f. A cache point makes the prefix before it cached: cache-write tokens the first time a
   prefix is seen, cache-read tokens afterwards. Cached words leave the input count.
g. Stop sequences cut a text reply before the first match (``stop_sequence``), and the
   max-token limit truncates it (``max_tokens``); a system tool's blocks and the text
   citing its pages stay whole.

Stop reasons use Converse's names; each format maps them to its own.
"""

import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Protocol

from .conversation import ANY, NONE, TOOL, Conversation, Document, Guardrail, count_words
from .errors import validation_error

REPLY_PREFIX = "You said: "
TOOL_REPLY_PREFIX = "Tool said: "
REASONING_PREFIX = "Thinking about: "
CITED_REPLY = "According to {title}: {quote}"
# Bedrock's default "blocked input" message for a guardrail.
GUARDRAIL_MESSAGE = "Sorry, the model cannot answer this question."
GUARDRAIL_DIRECTIVE = "[[guardrail]]"
TOOL_DIRECTIVE = "[[tool:"
# Nova's system tools, which the service runs itself.
GROUNDING, CODE_INTERPRETER = "nova_grounding", "nova_code_interpreter"
SYSTEM_TOOLS = (GROUNDING, CODE_INTERPRETER)
# The sites the emulated web search finds a page on: (site name, domain).
_SEARCH_SITES = (("Example Web", "www.example.com"), ("Example News", "news.example.org"))
SOURCES_REPLY = " Sources: {domains}."  # follows the reply text, so it starts with a space

END_TURN, TOOL_USE, MAX_TOKENS = "end_turn", "tool_use", "max_tokens"
STOP_SEQUENCE, GUARDRAIL_INTERVENED = "stop_sequence", "guardrail_intervened"

# Streaming splits text into these word tokens; they concatenate to the text.
_TOKEN = re.compile(r"\S+\s*|\s+")
_TOOL_NAME = re.compile(r"[^\s\]{]+")
# A text's first sentence: from its first non-space character through the first . ! or ?
# that ends a word, or else to the end of its line (trailing spaces left out).
_FIRST_SENTENCE = re.compile(r"\S.*?(?:[.!?](?=\s|$)|(?=[^\S\n]*$))", re.MULTILINE)
_ARGUMENT_FRAGMENT_CHARS = 12


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def short_hash(*parts) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    input: dict
    arguments: str  # the input as compact JSON text
    fragments: tuple[str, ...]  # ``arguments`` split for streaming (at least two pieces)


@dataclass(frozen=True)
class Usage:
    input_tokens: int  # uncached input words
    output_tokens: int
    cache_read: int = 0
    cache_write: int = 0
    caching: bool = False  # the request had a cache point
    cache_ttl: str | None = None  # the last cache point's Converse ttl, if it gave one

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.cache_read + self.cache_write + self.output_tokens


@dataclass(frozen=True)
class Citation:
    """A passage of a request document that the reply cites."""

    title: str  # the document's name
    quote: str  # the passage's text
    document_index: int  # the document's position among the request's documents
    # Where the passage is (end exclusive): block indices in a ``content`` source
    # (``by_block``), else character offsets into the document's text.
    start: int
    end: int
    by_block: bool


@dataclass(frozen=True)
class WebSource:
    """A web page the emulated search found."""

    title: str
    url: str
    domain: str


@dataclass(frozen=True)
class ServerToolUse:
    """A system tool the service ran before the model answered, and what it gave back."""

    call: ToolCall  # input: {"query"} for nova_grounding, {"code"} for nova_code_interpreter
    sources: tuple[WebSource, ...] = ()  # the pages a search found, cited after the reply
    cited_text: str = ""  # the text that cites them
    output: str = ""  # what the code printed

    @property
    def cited_tokens(self) -> tuple[str, ...]:
        return tuple(tokenize(self.cited_text))


@dataclass(frozen=True)
class Plan:
    text: str  # the text reply ("" with a tool call)
    tokens: tuple[str, ...]  # ``text`` as streamed word tokens
    stop: str  # END_TURN, TOOL_USE, MAX_TOKENS, STOP_SEQUENCE or GUARDRAIL_INTERVENED
    usage: Usage
    reasoning: str | None = None
    reasoning_tokens: tuple[str, ...] = ()
    signature: str | None = None
    tool_call: ToolCall | None = None
    stop_sequence: str | None = None
    guardrail: Guardrail | None = None  # set when the guardrail intervened
    citations: tuple[Citation, ...] = ()  # the document passages ``text`` quotes
    server_tool: ServerToolUse | None = None  # a system tool run before ``text``
    key: str = ""  # a hash identifying the request's content, for response ids

    @property
    def intervened(self) -> bool:
        return self.guardrail is not None


class PromptCache(Protocol):
    """What the planner needs from the prompt cache (``state.PromptCache``)."""

    def seen(self, key: str) -> bool:
        """True if ``key`` was seen before; either way it is remembered now."""


def guardrail_blocks(text: str) -> bool:
    """Whether the emulated guardrail blocks ``text``: a model call's latest user text, or
    what ApplyGuardrail and InvokeGuardrailChecks are given."""
    return GUARDRAIL_DIRECTIVE in text


def plan(conversation: Conversation, cache: PromptCache | None = None, scope: str = "") -> Plan:
    """Decide the reply. ``scope`` (the base model id) keys the prompt cache."""
    conv = conversation
    key = short_hash(conv.segments, conv.last_user_text, conv.tool_results, conv.turns)
    if conv.guardrail is not None and guardrail_blocks(conv.last_user_text):
        # The model never runs, so nothing is generated.
        return Plan(GUARDRAIL_MESSAGE, tuple(tokenize(GUARDRAIL_MESSAGE)), GUARDRAIL_INTERVENED,
                    Usage(conv.input_words, 0), guardrail=conv.guardrail, key=key)
    call = None if conv.tool_results else _tool_call(conv)  # may reject a bad directive
    usage = _input_usage(conv, cache, scope)
    thinking = _reasoning(conv)
    thought = len(thinking["reasoning_tokens"])
    if call is not None:  # output: the reasoning and the streamed argument pieces
        return Plan("", (), TOOL_USE, replace(usage, output_tokens=thought + len(call.fragments)),
                    tool_call=call, key=key, **thinking)

    if conv.output_schema is not None:  # native structured output: a JSON value, in pieces
        text = json.dumps(example_input(conv.output_schema))
        pieces = split_fragments(text)
        return Plan(text, pieces, END_TURN, replace(usage, output_tokens=thought + len(pieces)), key=key, **thinking)
    server = None if conv.tool_results else _server_tool_use(conv)
    citations = () if conv.tool_results or server is not None else cited_passages(conv)
    if conv.tool_results:
        text = TOOL_REPLY_PREFIX + " ".join(conv.tool_results)
    elif citations:
        text = " ".join(CITED_REPLY.format(title=c.title, quote=c.quote) for c in citations)
    else:
        text = REPLY_PREFIX + conv.last_user_text
    stop, stop_sequence = END_TURN, None
    matches = [(text.find(s), s) for s in conv.stop_sequences if s and s in text]
    if matches:
        position, stop_sequence = min(matches)
        text, stop = text[:position], STOP_SEQUENCE
    tokens = tokenize(text)
    if conv.max_tokens is not None and len(tokens) > conv.max_tokens:
        tokens, stop, stop_sequence = tokens[: conv.max_tokens], MAX_TOKENS, None
    # The model wrote the system tool's input and the text citing its sources too.
    served = 0 if server is None else len(server.call.fragments) + len(server.cited_tokens)
    return Plan("".join(tokens), tuple(tokens), stop,
                replace(usage, output_tokens=thought + served + len(tokens)),
                stop_sequence=stop_sequence, citations=citations, server_tool=server, key=key,
                **thinking)


def cited_passages(conv: Conversation) -> tuple[Citation, ...]:
    """One citation for each document with citations enabled and text to quote."""
    found = (_first_passage(document, index) for index, document in enumerate(conv.documents)
             if document.cited)
    return tuple(citation for citation in found if citation is not None)


def _first_passage(document: Document, index: int) -> Citation | None:
    """A ``content`` source's first block that is not blank (Bedrock cites those by block
    index), or the first sentence of a text."""
    if document.by_block:
        for position, block in enumerate(document.chunks):
            if block.strip():
                return Citation(document.name, block, index, position, position + 1, True)
        return None
    sentence = _FIRST_SENTENCE.search(document.chunks[0]) if document.chunks else None
    if sentence is None:
        return None
    return Citation(document.name, sentence.group(), index, sentence.start(), sentence.end(),
                    False)


def _reasoning(conv: Conversation) -> dict:
    if not conv.reasoning:
        return {"reasoning": None, "reasoning_tokens": (), "signature": None}
    reasoning = REASONING_PREFIX + conv.last_user_text
    return {"reasoning": reasoning, "reasoning_tokens": tuple(tokenize(reasoning)),
            "signature": "sig-" + short_hash(reasoning)}


def _input_usage(conv: Conversation, cache: PromptCache | None, scope: str) -> Usage:
    """Input usage: with a cache point, the prefix's words are cache reads or writes."""
    prefix = conv.cached_prefix
    if prefix is None:
        return Usage(conv.input_words, 0)
    cached = count_words(prefix)
    hit = cache is not None and cache.seen(short_hash(scope, prefix))
    return Usage(conv.input_words - cached, 0, cache_read=cached if hit else 0,
                 cache_write=0 if hit else cached, caching=True, cache_ttl=conv.cache_ttl)


# -- tool calls ---------------------------------------------------------------------------

def _tool_call(conv: Conversation) -> ToolCall | None:
    if not conv.tools or conv.tool_choice.mode == NONE:
        return None
    directive = find_tool_directive(conv.last_user_text)
    tools = {tool.name: tool for tool in conv.tools}
    choice = conv.tool_choice
    if choice.mode == TOOL and choice.name in tools:
        name = choice.name
    elif directive is not None and directive[0] in tools:
        name = directive[0]
    elif choice.mode == ANY:
        name = conv.tools[0].name
    else:
        return None
    if directive is not None and directive[0] == name and directive[1] is not None:
        arguments = directive[1]
    else:
        arguments = example_input(tools[name].schema)
    return _call(name, arguments, conv)


def _call(name: str, arguments: dict, conv: Conversation) -> ToolCall:
    """A call of ``name``, its id made from the conversation so that the same conversation
    gets the same id through any API."""
    text = json.dumps(arguments, separators=(",", ":"), ensure_ascii=False)
    call_id = "tooluse_" + short_hash(name, arguments, conv.last_user_text, conv.turns)
    return ToolCall(call_id, name, arguments, text, split_fragments(text))


def _server_tool_use(conv: Conversation) -> ServerToolUse | None:
    """The first system tool offered, run on the latest user text."""
    if not conv.system_tools:
        return None
    name, query = conv.system_tools[0], conv.last_user_text
    if name == GROUNDING:
        sources = _web_search(query)
        cited = SOURCES_REPLY.format(domains=", ".join(page.domain for page in sources))
        return ServerToolUse(_call(name, {"query": query}, conv), sources, cited)
    # The request was validated, so this is nova_code_interpreter.
    return ServerToolUse(_call(name, {"code": f"print({json.dumps(query)})"}, conv),
                         output=query + "\n")


def _web_search(query: str) -> tuple[WebSource, ...]:
    """The pages the emulated search finds for ``query``: one on each example site, at a
    path made from the query's hash."""
    page = short_hash(query)[:8]
    return tuple(WebSource(f"{site}: {query}", f"https://{domain}/{page}", domain)
                 for site, domain in _SEARCH_SITES)


def find_tool_directive(text: str) -> tuple[str, dict | None] | None:
    """The first ``[[tool:NAME]]`` or ``[[tool:NAME {json}]]`` in ``text``, if any.

    Raises a 400 ApiError on a malformed directive.
    """
    start = text.find(TOOL_DIRECTIVE)
    if start < 0:
        return None
    position = start + len(TOOL_DIRECTIVE)
    name = _TOOL_NAME.match(text, position)
    if name is None:
        raise validation_error("Invalid tool directive: expected [[tool:NAME]]")
    position = name.end()
    while position < len(text) and text[position].isspace():
        position += 1
    arguments = None
    if text.startswith("{", position):
        try:
            arguments, position = json.JSONDecoder().raw_decode(text, position)
        except ValueError as exc:
            raise validation_error(f"Invalid tool directive arguments: {exc}") from None
        while position < len(text) and text[position].isspace():
            position += 1
    if not text.startswith("]]", position):
        raise validation_error("Invalid tool directive: expected ]] after the tool name "
                               "and optional JSON object")
    return name.group(), arguments


def split_fragments(text: str) -> tuple[str, ...]:
    """``text`` in pieces of up to a few characters, and never fewer than two."""
    size = max(1, min(_ARGUMENT_FRAGMENT_CHARS, len(text) // 2))
    return tuple(text[i: i + size] for i in range(0, len(text), size))


def example_input(schema) -> dict:
    """A tool input made up from its JSON Schema (an object, whatever the schema)."""
    value = example_value(schema)
    return value if isinstance(value, dict) else {}


def example_value(schema):
    """Strings "example", numbers 1, booleans true, arrays [], enums their first value,
    objects their required properties (or all, if none are required), recursively."""
    if not isinstance(schema, dict):
        return {}
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        options = schema.get(combinator)
        if isinstance(options, list) and options:
            return example_value(options[0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None and isinstance(schema.get("properties"), dict):
        kind = "object"
    if kind == "object":
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        required = schema.get("required")
        names = [n for n in required if n in properties] if isinstance(required, list) else []
        return {name: example_value(properties[name]) for name in names or properties}
    return {"string": "example", "number": 1, "integer": 1, "boolean": True, "array": [],
            "null": None}.get(kind, "example")
