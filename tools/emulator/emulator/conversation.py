"""The provider-independent view of a request that the reply planner works from.

Every format's parser (``emulator/formats/*.py``) reduces its request body to a
``Conversation``: the prompt texts in order (for token counting and prompt caching), the
latest user turn, the documents attached, the tools on offer and the generation limits.
The planner (``emulator/planner.py``) then decides the reply without knowing the format.
"""

import re
from dataclasses import dataclass, field

_WORD = re.compile(r"\S+")

# Tool-choice modes, as Converse names them ("required" is "any").
AUTO, ANY, TOOL, NONE = "auto", "any", "tool", "none"


def count_words(texts) -> int:
    """Emulated token count: the number of whitespace-separated words."""
    return sum(len(_WORD.findall(text)) for text in texts)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    schema: dict  # JSON Schema of the tool's input


@dataclass(frozen=True)
class ToolChoice:
    mode: str = AUTO  # AUTO, ANY, TOOL (then ``name``) or NONE
    name: str | None = None


@dataclass(frozen=True)
class Guardrail:
    """A guardrail the request applies (Converse guardrailConfig or InvokeModel headers)."""

    identifier: str
    version: str
    trace: bool


@dataclass(frozen=True)
class Document:
    """A document the request attaches (a Converse ``document`` block), as read."""

    name: str
    # Its text: a ``content`` source's blocks, else the whole text as one chunk; none when
    # the emulator cannot read it (a binary format such as PDF, or an S3 location).
    chunks: tuple[str, ...]
    by_block: bool  # a ``content`` source: cited by block index rather than by character
    cited: bool  # citations enabled
    context: str = ""  # what the request says about the document; read, never cited


@dataclass
class Conversation:
    # Every prompt text the model reads, in order: system first, then the messages
    # (user, assistant and tool-result text, documents). Input tokens are the words in these.
    segments: list[str] = field(default_factory=list)
    # With a cache point, segments[:cache_mark] is the cached prompt prefix.
    cache_mark: int | None = None
    cache_ttl: str | None = None  # that cache point's Converse ttl
    # Text blocks of the latest user turn, joined by a space; directives live here.
    last_user_text: str = ""
    # Tool-result texts carried by the latest user turn (empty if it carries none).
    tool_results: list[str] = field(default_factory=list)
    # Every document of the messages in request order: a citation's document index is the
    # position here.
    documents: list[Document] = field(default_factory=list)
    tools: list[ToolSpec] = field(default_factory=list)
    # Tools the service runs itself (Converse ``systemTool`` names, e.g. nova_grounding),
    # in request order.
    system_tools: list[str] = field(default_factory=list)
    tool_choice: ToolChoice = ToolChoice()
    max_tokens: int | None = None
    stop_sequences: list[str] = field(default_factory=list)
    reasoning: bool = False
    guardrail: Guardrail | None = None
    # Converse's outputConfig.textFormat JSON Schema: the reply is a JSON value that fits it.
    output_schema: dict | None = None
    turns: int = 0  # user/assistant/tool turns, so that tool-call ids differ per turn

    def add_text(self, text: str) -> None:
        if text:
            self.segments.append(text)

    def add_document(self, document: Document) -> None:
        """A document: its text and context are prompt text the model reads."""
        self.documents.append(document)
        for text in (*document.chunks, document.context):
            self.add_text(text)

    def mark_cache(self, ttl: str | None = None) -> None:
        """A cache point: everything added so far is the cached prefix."""
        self.cache_mark = len(self.segments)
        self.cache_ttl = ttl

    @property
    def input_words(self) -> int:
        return count_words(self.segments)

    @property
    def cached_prefix(self) -> list[str] | None:
        return None if self.cache_mark is None else self.segments[: self.cache_mark]
