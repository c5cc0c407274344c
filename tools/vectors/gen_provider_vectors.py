#!/usr/bin/env python3
"""Generate the InvokeModel request-body vectors for every provider format, with LangChain's
ChatBedrock (langchain-aws) as the oracle.

Each case is a chat request in the C-API shape (docs/c-api.md, "Chat request"; the test reads it
as it is, without the C API's clean-up, such as dropping blank text). The script turns it
into LangChain messages and parameters, drives ChatBedrock against a fake boto3 client that
records the InvokeModel body, and writes that body as ``langchain_body``. ``expected_body`` is
what the Swift format must produce: LangChain's body with the named, deliberate adjustments in
``adjustments`` applied (each one a place where Bedrock rejects LangChain's body, or where
LangChain loses part of the request; see ADJUSTMENTS). An adjustment is listed only where it
changes the body.

Where ChatBedrock cannot be the oracle as it is, ``oracle`` names how it was driven instead
(see ORACLES): Mistral's chat models and AI21 Jamba use ChatBedrock's OpenAI message path
(``provider="openai"`` with the real model id) as the oracle for the shared chat-completions
encoder, and tools go in through ``model_kwargs`` where ``bind_tools`` drops them.

Cases with ``source: "documented"`` have no LangChain body: ChatBedrock sends Nova to
Converse, and refuses some conversations outright (``langchain_error`` records how). Their
expected bodies are written here by hand from the provider's documented schema, and
``documented`` says why.

Each provider's file also holds sample response bodies and stream chunks (shaped as AWS
documents them) with what ChatBedrock makes of them, in ``responses``.

Writes Tests/BedrockTests/Vectors/providers/<provider>.json. Deterministic: no network, no
clock. Usage: python3 tools/vectors/gen_provider_vectors.py [--check]
  --check  regenerate in memory and fail if the files on disk differ (for CI).
"""

import argparse
import copy
import io
import json
import os
import sys
import warnings
from importlib import metadata

warnings.filterwarnings("ignore")

from langchain_aws import ChatBedrock  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage  # noqa: E402
from langchain_core.utils.function_calling import convert_to_openai_tool  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "Tests", "BedrockTests", "Vectors", "providers")
GENERATOR = "tools/vectors/gen_provider_vectors.py"


# --- Requests, in the C-API shape ---------------------------------------------------------------

def text(t):
    return {"type": "text", "text": t}


def image(media_type, data):
    return {"type": "image", "media_type": media_type, "data": data}


def document(data, name="report", format="pdf"):
    return {"type": "document", "format": format, "name": name, "data": data}


def reasoning(t, signature):
    return {"type": "reasoning", "text": t, "signature": signature}


CACHE_POINT = {"type": "cache_point"}


def system(content):
    return {"role": "system", "content": content}


def user(content):
    return {"role": "user", "content": content}


def assistant(content=None, tool_calls=None):
    """An assistant turn; with content None the message has no `content` member (tool calls only)."""
    message = {"role": "assistant"}
    if content is not None:
        message["content"] = content
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def call(id_, name, args):
    return {"id": id_, "name": name, "args": args}


def tool(call_id, content, is_error=False):
    message = {"role": "tool", "tool_call_id": call_id, "content": content}
    if is_error:
        message["is_error"] = True
    return message


# --- Deliberate differences from LangChain's body -----------------------------------------------

def _content_blocks(message):
    return message["content"] if isinstance(message["content"], list) else []


def _stop_key(body, request, provider):
    if provider == "amazon":
        config = body["textGenerationConfig"]
        if "stop_sequences" in config:
            config["stopSequences"] = config.pop("stop_sequences")
    elif "stop_sequences" in body:
        body["stop"] = body.pop("stop_sequences")


def _meta_no_stop(body, request, provider):
    body.pop("stop_sequences", None)


def _max_tokens_key(body, request, provider):
    if "max_completion_tokens" in body:
        body["max_tokens"] = body.pop("max_completion_tokens")


def _tool_result_is_error(body, request, provider):
    failed = {m["tool_call_id"] for m in request["messages"] if m["role"] == "tool" and m.get("is_error")}
    for message in body["messages"]:
        for block in _content_blocks(message):
            if block.get("type") == "tool_result" and block.get("tool_use_id") in failed:
                block["is_error"] = True


def _empty_tool_result(body, request, provider):
    for message in body["messages"]:
        for block in _content_blocks(message):
            if block.get("type") == "tool_result" and block.get("content") == "":
                del block["content"]


def _as_blocks(content):
    return [text(content)] if isinstance(content, str) else content


def _tool_history_as_text(body, request, provider):
    for message in body["messages"]:
        if not isinstance(message["content"], list):
            continue
        blocks = []
        for block in message["content"]:
            if block.get("type") == "tool_use":
                arguments = json.dumps(block["input"], separators=(",", ":"), ensure_ascii=False)
                blocks.append(text(f"[Called {block['name']} with parameters: {arguments}]"))
            elif block.get("type") == "tool_result":
                output = block["content"] if isinstance(block["content"], str) else "".join(
                    b["text"] for b in block["content"] if b.get("type") == "text")
                blocks.append(text(f"[Tool output: {output}]"))
            else:
                blocks.append(block)
        message["content"] = blocks


def _tool_choice_none(body, request, provider):
    body["tool_choice"] = {"type": "none"}


def _merge_user_turns(body, request, provider):
    merged = []
    for message in body["messages"]:
        if merged and merged[-1]["role"] == "user" and message["role"] == "user":
            merged[-1]["content"] = _as_blocks(merged[-1]["content"]) + _as_blocks(message["content"])
        else:
            merged.append(message)
    body["messages"] = merged


# name: (why, transform of the expected body)
ADJUSTMENTS = {
    "meta_no_stop": (
        "Llama has no stop parameter (Bedrock rejects LangChain's stop_sequences); the chat layer truncates "
        "at the stop sequence instead", _meta_no_stop),
    "stop_key": (
        "stop sequences under the key Bedrock documents for this model: `stop`, or Titan's "
        "textGenerationConfig.stopSequences (LangChain sends stop_sequences, which these models refuse)", _stop_key),
    "max_tokens_key": (
        "max tokens under `max_tokens`, this model's key (the OpenAI path writes max_completion_tokens)",
        _max_tokens_key),
    "tool_result_is_error": (
        "LangChain drops ToolMessage status='error'; Anthropic's tool_result has is_error for it",
        _tool_result_is_error),
    "empty_tool_result": (
        "LangChain sends content \"\"; Anthropic's tool_result content is optional, so an empty result omits it "
        "rather than send an empty text", _empty_tool_result),
    "tool_history_as_text": (
        "LangChain sends tool blocks without tools, which Bedrock refuses ('Requests which include tool_use or "
        "tool_result blocks must define tools'); like langchain-aws's Converse path, they are sent as text",
        _tool_history_as_text),
    "tool_choice_none": (
        "LangChain turns 'none' into a forced call of a tool named 'none'; Anthropic has {\"type\": \"none\"}",
        _tool_choice_none),
    "merge_user_turns": (
        "LangChain hoists a mid-conversation system message but leaves the user turns around it apart; "
        "Anthropic wants them as one message", _merge_user_turns),
}

# How ChatBedrock was driven where it cannot take the request as it is.
ORACLES = {
    "openai_path": "ChatBedrock cannot chat with this model in its own format (it sends Mistral's chat models "
                   "a prompt they do not accept, and refuses AI21), so its OpenAI message path "
                   "(provider=\"openai\", the real model id) is the oracle for the shared chat-completions encoder",
    "tools_via_model_kwargs": "ChatBedrock's bind_tools drops tools for this provider, so they go in through "
                              "model_kwargs, as convert_to_openai_tool writes them",
}


# --- Driving ChatBedrock --------------------------------------------------------------------------

class FakeClient:
    """Stands in for boto3's bedrock-runtime client; records the body and returns a reply."""

    def __init__(self, reply, chunks, headers=None):
        self.reply, self.chunks, self.headers, self.bodies = reply, chunks, headers or {}, []

    def invoke_model(self, **kwargs):
        self.bodies.append(json.loads(kwargs["body"]))
        return {"body": io.BytesIO(json.dumps(self.reply).encode()),
                "ResponseMetadata": {"HTTPHeaders": self.headers}}

    def invoke_model_with_response_stream(self, **kwargs):
        self.bodies.append(json.loads(kwargs["body"]))
        return {"body": [{"chunk": {"bytes": json.dumps(c).encode()}} for c in self.chunks]}


# A reply and stream of the right shape for each LangChain provider path, so the call completes.
PLACEHOLDERS = {
    "anthropic": ({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
                   "content": [{"type": "tool_use", "id": "toolu_1", "name": "Answer",
                                "input": {"answer": "a", "justification": "j"}}],
                   "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5}},
                  [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}}]),
    "amazon": ({"inputTextTokenCount": 10, "results": [{"tokenCount": 5, "outputText": "ok", "completionReason": "FINISH"}]},
               [{"outputText": "ok", "index": 0, "completionReason": "FINISH"}]),
    "meta": ({"generation": "ok", "stop_reason": "stop"}, [{"generation": "ok", "stop_reason": "stop"}]),
    "mistral": ({"outputs": [{"text": "ok", "stop_reason": "stop"}]}, [{"outputs": [{"text": "ok", "stop_reason": "stop"}]}]),
    "deepseek": ({"choices": [{"text": "ok", "stop_reason": "stop"}]}, [{"choices": [{"text": "ok", "stop_reason": "stop"}]}]),
    "openai": ({"choices": [{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]},
               [{"choices": [{"delta": {"content": "ok"}, "finish_reason": "stop"}]}]),
}

# ChatBedrock has no top_p/top_k fields; they go to model_kwargs under the provider's names.
SAMPLING_KWARGS = {"amazon": {"top_p": "topP", "top_k": "topK"}}
DEFAULT_SAMPLING_KWARGS = {"top_p": "top_p", "top_k": "top_k"}


def _lc_blocks(blocks):
    """C-API content blocks as a LangChain content list; a cache point marks the block before it."""
    out = []
    for block in blocks:
        kind = block["type"]
        if kind == "cache_point":
            out[-1]["cache_control"] = {"type": "ephemeral"}
        elif kind == "text":
            out.append({"type": "text", "text": block["text"]})
        elif kind == "image":
            out.append({"type": "image_url", "image_url": {"url": f"data:{block['media_type']};base64,{block['data']}"}})
        elif kind == "document":
            out.append({"type": "document",
                        "source": {"type": "base64", "media_type": "application/pdf", "data": block["data"]}})
        elif kind == "reasoning":
            if block["signature"].startswith("redacted_thinking:"):
                out.append({"type": "redacted_thinking", "data": block["signature"][len("redacted_thinking:"):]})
            else:
                out.append({"type": "thinking", "thinking": block["text"], "signature": block["signature"]})
        else:
            raise ValueError(f"no LangChain form for {kind}")
    return out


def _lc_content(content):
    return content if isinstance(content, str) else _lc_blocks(content)


def to_langchain(messages):
    result = []
    for message in messages:
        role, content = message["role"], _lc_content(message.get("content", ""))
        if role == "system":
            result.append(SystemMessage(content))
        elif role == "user":
            result.append(HumanMessage(content))
        elif role == "assistant":
            result.append(AIMessage(content=content, tool_calls=message.get("tool_calls", [])))
        elif role == "tool":
            result.append(ToolMessage(content, tool_call_id=message["tool_call_id"],
                                      status="error" if message.get("is_error") else "success"))
        else:
            raise ValueError(role)
    return result


def lc_tools(tools):
    """C-API tools (a cache_point entry marks the tool before it) as Anthropic-style LangChain tools."""
    out = []
    for spec in tools:
        if spec.get("type") == "cache_point":
            out[-1]["cache_control"] = {"type": "ephemeral"}
        else:
            out.append({"name": spec["name"], "description": spec.get("description", ""),
                        "input_schema": spec["input_schema"]})
    return out


def run_chatbedrock(request, stream, lc_provider, provider_override=None, extra_model_kwargs=None, bind=False):
    """The body ChatBedrock sends for the request, or (None, the error it raises).

    With `bind`, tools and response_schema go through bind_tools / with_structured_output;
    otherwise `extra_model_kwargs` carry whatever the oracle needs beyond the request."""
    options = {}
    if "temperature" in request:
        options["temperature"] = request["temperature"]
    if "max_tokens" in request:
        options["max_tokens"] = request["max_tokens"]
    model_kwargs = copy.deepcopy(request.get("model_kwargs", {}))
    for key, name in SAMPLING_KWARGS.get(lc_provider, DEFAULT_SAMPLING_KWARGS).items():
        if key in request:
            model_kwargs[name] = request[key]
    model_kwargs.update(extra_model_kwargs or {})
    if model_kwargs:
        options["model_kwargs"] = model_kwargs
    if provider_override:
        options["provider"] = provider_override
    client = FakeClient(*PLACEHOLDERS[lc_provider])
    chat = ChatBedrock(model_id=request["model"], client=client, region_name="us-east-1", **options)

    runnable = chat
    if bind and "response_schema" in request:
        runnable = chat.with_structured_output(request["response_schema"], include_raw=True)
    elif bind and "tools" in request:
        choice = request.get("tool_choice")
        runnable = chat.bind_tools(lc_tools(request["tools"]), tool_choice=choice["name"] if isinstance(choice, dict) else choice)

    messages = to_langchain(request["messages"])
    stop = request.get("stop") or None
    try:
        if stream:
            for _ in runnable.stream(messages, stop=stop):
                pass
        else:
            runnable.invoke(messages, stop=stop)
    except Exception as error:  # noqa: BLE001 - recorded in the vector, or fatal
        if client.bodies:
            raise
        return None, f"{type(error).__name__}: {error}"
    if len(client.bodies) != 1:
        raise RuntimeError(f"expected one request, got {len(client.bodies)}")
    return client.bodies[0], None


# --- Cases ------------------------------------------------------------------------------------------

class Cases:
    """Builds the cases of one run, each filed under the provider of its model."""

    def __init__(self):
        self.by_provider = {}

    def _add(self, provider, case):
        cases = self.by_provider.setdefault(provider, [])
        if any(c["name"] == case["name"] for c in cases):
            raise SystemExit(f"duplicate case {case['name']}")
        cases.append(case)

    def langchain(self, name, description, request, *, stream=False, lc_provider=None, adjust=(), where_applicable=(),
                  oracle=(), extra_model_kwargs=None):
        """A case whose expected body is ChatBedrock's, with the named adjustments.

        `adjust` must each change the body; `where_applicable` are applied where they do."""
        provider = provider_of(request["model"])
        lc_provider = lc_provider or provider
        body, error = run_chatbedrock(request, stream, lc_provider, "openai" if "openai_path" in oracle else None,
                                      extra_model_kwargs, bind=not oracle)
        if body is None:
            raise SystemExit(f"{name}: LangChain failed: {error}")
        expected, applied = copy.deepcopy(body), []
        for adjustment in (*where_applicable, *adjust):
            before = copy.deepcopy(expected)
            ADJUSTMENTS[adjustment][1](expected, request, provider)
            if json.dumps(expected, sort_keys=True) != json.dumps(before, sort_keys=True):
                applied.append(adjustment)
            elif adjustment in adjust:
                raise SystemExit(f"{name}: adjustment {adjustment} changes nothing")
        self._add(provider, {
            "name": name, "description": description, "model": request["model"], "stream": stream,
            "request": request, "source": "langchain",
            "oracle": [{"name": o, "why": ORACLES[o]} for o in oracle],
            "langchain_body": body,
            "adjustments": [{"name": a, "why": ADJUSTMENTS[a][0]} for a in applied],
            "expected_body": expected,
        })

    def documented(self, name, description, request, expected, why, *, stream=False, langchain_raises=False):
        """A case whose expected body is written by hand from the provider's documented schema."""
        provider = provider_of(request["model"])
        case = {"name": name, "description": description, "model": request["model"], "stream": stream,
                "request": request, "source": "documented", "documented": why, "oracle": [], "langchain_body": None}
        if langchain_raises:
            body, error = run_chatbedrock(request, stream, provider, bind=True)
            if body is not None:
                raise SystemExit(f"{name}: LangChain was expected to raise")
            case["langchain_error"] = error
        case["adjustments"] = []
        case["expected_body"] = expected
        self._add(provider, case)


def provider_of(model):
    base = model.split(".", 1)[1] if model.split(".", 1)[0] in ("us", "eu", "apac", "global") else model
    return base.split(".", 1)[0]


# --- Anthropic and Amazon: hand-picked conversations --------------------------------------------------

CLAUDE_35 = "anthropic.claude-3-5-sonnet-20240620-v1:0"
CLAUDE_37 = "anthropic.claude-3-7-sonnet-20250219-v1:0"
CLAUDE_SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"
TITAN = "amazon.titan-text-express-v1"
NOVA = "amazon.nova-lite-v1:0"

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
PDF = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK"
CITY_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
TZ_TOOL = {"name": "get_time", "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}}}
JUSTIFIED_ANSWER = {
    "title": "Answer",
    "description": "An answer with a justification",
    "type": "object",
    "properties": {"answer": {"type": "string"}, "justification": {"type": "string"}},
    "required": ["answer", "justification"],
}
PARIS_CALL = [call("toolu_1", "get_weather", {"city": "Paris"})]
THINKING = {"thinking": {"type": "enabled", "budget_tokens": 1024}}


def claude(request, model=CLAUDE_35):
    return {"model": model, **request}


def anthropic_cases(cases):
    plain = [
        ("anthropic-system-and-user", "A string system prompt and one user turn; max_tokens defaults to 1024.",
         claude({"messages": [system("You are a translator."), user("Translate 'hello' into French.")], "temperature": 0})),
        ("anthropic-multi-turn-inference-params", "Temperature, max_tokens, top_p, top_k and stop sequences.",
         claude({"messages": [user("Hi"), assistant("Hello! How can I help?"), user("Count to three.")],
                 "temperature": 0.5, "max_tokens": 200, "top_p": 0.9, "top_k": 40, "stop": ["\n\nHuman:", "END"]})),
        ("anthropic-model-kwargs-merged", "model_kwargs start the body; LangChain's own keys are set after.",
         claude({"messages": [user("Hi")], "model_kwargs": {"anthropic_beta": ["token-efficient-tools-2025-02-19"],
                                                            "max_tokens": 300, "temperature": 0.1}})),
        ("anthropic-prefill-trailing-whitespace", "A final assistant prefill loses its trailing whitespace.",
         claude({"messages": [user("Write a haiku."), assistant("Here is the haiku:  \n")]})),
        ("anthropic-consecutive-users-merged", "Consecutive user turns merge into one message of text blocks.",
         claude({"messages": [user("First part."), user("Second part."), assistant("Got both."), user("Good.")]})),
        ("anthropic-consecutive-systems-merged", "Consecutive system messages become a list of system blocks.",
         claude({"messages": [system("Be brief."), system("Answer in French."), user("Hello")]})),
        ("anthropic-blank-text-blocks-dropped", "Empty and whitespace-only text blocks in block content are dropped.",
         claude({"messages": [user([text("  "), text("Hello"), text("")])]})),
        ("anthropic-tools-auto", "Tools with tool_choice auto; a missing description becomes the tool name.",
         claude({"messages": [user("What's the weather in Paris?")], "tools": [CITY_TOOL, TZ_TOOL], "tool_choice": "auto"})),
        ("anthropic-tools-any", "tool_choice any.",
         claude({"messages": [user("What's the weather in Paris?")], "tools": [CITY_TOOL], "tool_choice": "any"})),
        ("anthropic-tools-named", "tool_choice naming one tool.",
         claude({"messages": [user("What's the weather in Paris?")], "tools": [CITY_TOOL, TZ_TOOL],
                 "tool_choice": {"name": "get_weather"}})),
        ("anthropic-tools-no-choice", "Tools without a tool_choice send no tool_choice.",
         claude({"messages": [user("What's the weather in Paris?")], "tools": [CITY_TOOL]})),
        ("anthropic-tool-round-trip", "Assistant text + tool_use, then the tool result as a user tool_result.",
         claude({"messages": [user("What's the weather in Paris?"), assistant("Let me check.", PARIS_CALL),
                              tool("toolu_1", "18°C, sunny")], "tools": [CITY_TOOL]})),
        ("anthropic-parallel-tool-results-then-user", "Consecutive tool results and a user turn merge; results come first.",
         claude({"messages": [user("Weather and time in Paris?"),
                              assistant("", [call("toolu_1", "get_weather", {"city": "Paris"}),
                                             call("toolu_2", "get_time", {"tz": "Europe/Paris"})]),
                              tool("toolu_1", "18°C"), tool("toolu_2", "14:05"), user("Also, is it a good day for a walk?")],
                 "tools": [CITY_TOOL, TZ_TOOL]})),
        ("anthropic-tool-result-blocks", "A tool result with text and an image keeps its blocks.",
         claude({"messages": [user("Draw the chart."), assistant("", PARIS_CALL),
                              tool("toolu_1", [text("Chart:"), image("image/png", PNG)])],
                 "tools": [CITY_TOOL]})),
        ("anthropic-image", "A user image becomes a base64 image source after the text.",
         claude({"messages": [user([text("What is in this image?"), image("image/png", PNG)])]})),
        ("anthropic-document", "A PDF document; like LangChain, documents precede the text of a user turn.",
         claude({"messages": [user([text("Summarise this document."), document(PDF)])]})),
        ("anthropic-thinking-round-trip", "Signed reasoning goes back as a thinking block, first in its message.",
         claude({"messages": [user("What's the weather in Paris?"),
                              assistant([reasoning("I should call the tool.", "EqQBCgIYAhIM"), text("Checking.")], PARIS_CALL),
                              tool("toolu_1", "18°C")],
                 "tools": [CITY_TOOL], "model_kwargs": THINKING, "max_tokens": 2048}, CLAUDE_37)),
        ("anthropic-redacted-thinking-round-trip", "Redacted thinking (a reasoning block whose signature carries the "
         "redacted_thinking: prefix) goes back as a redacted_thinking block.",
         claude({"messages": [user("Hi"), assistant([reasoning("", "redacted_thinking:EmwKAhgBEgy3"), text("Hello.")]),
                              user("Bye")]})),
        ("anthropic-cache-points", "Cache points mark the block before them with cache_control ephemeral, in the "
         "system prompt, a user turn and the tools.",
         claude({"messages": [system([text("You answer questions about the attached manual."), CACHE_POINT]),
                              user([text("Long manual text..."), CACHE_POINT, text("What does chapter 2 say?")])],
                 "tools": [CITY_TOOL, CACHE_POINT]})),
        ("anthropic-structured-output", "response_schema is a forced tool call, as with_structured_output does.",
         claude({"messages": [user("Which weighs more, a pound of bricks or a pound of feathers?")],
                 "response_schema": JUSTIFIED_ANSWER})),
        ("anthropic-structured-output-thinking", "With thinking enabled on Claude Sonnet 4, structured output is not "
         "forced (LangChain leaves tool_choice out).",
         claude({"messages": [user("Which weighs more?")], "response_schema": JUSTIFIED_ANSWER, "max_tokens": 4000,
                 "model_kwargs": THINKING}, CLAUDE_SONNET_4)),
    ]
    for name, description, request in plain:
        cases.langchain(name, description, request)
    cases.langchain("anthropic-stream-same-body", "InvokeModelWithResponseStream sends the same body (stop included).",
                    claude({"messages": [user("Count to three.")], "stop": ["3"]}), stream=True)

    adjusted = [
        ("anthropic-tool-result-is-error", "A failed tool result carries is_error.",
         claude({"messages": [user("What's the weather in Paris?"), assistant("", PARIS_CALL),
                              tool("toolu_1", "city not found", is_error=True)], "tools": [CITY_TOOL]}),
         "tool_result_is_error"),
        ("anthropic-empty-tool-result", "An empty tool result omits content.",
         claude({"messages": [user("Ping the server."), assistant("", PARIS_CALL), tool("toolu_1", "")],
                 "tools": [CITY_TOOL]}),
         "empty_tool_result"),
        ("anthropic-tool-history-without-tools", "tool_use/tool_result history with no tools becomes text.",
         claude({"messages": [user("What's the weather in Paris?"), assistant("Let me check.", PARIS_CALL),
                              tool("toolu_1", "18°C, sunny"), user("Summarise the conversation.")]}),
         "tool_history_as_text"),
        ("anthropic-tool-choice-none", "tool_choice none is Anthropic's {\"type\": \"none\"}.",
         claude({"messages": [user("Just chat.")], "tools": [CITY_TOOL], "tool_choice": "none"}),
         "tool_choice_none"),
        ("anthropic-system-mid-conversation", "A system message after a user turn is hoisted; the user turns around it "
         "merge.",
         claude({"messages": [user("Hello"), system("Be brief."), user("How are you?")]}),
         "merge_user_turns"),
    ]
    for name, description, request, adjustment in adjusted:
        cases.langchain(name, description, request, adjust=(adjustment,))

    cases.documented(
        "anthropic-system-messages-non-consecutive", "System messages anywhere are hoisted into system blocks.",
        claude({"messages": [system("Be brief."), user("Hello"), system("Answer in French."), user("How are you?")]}),
        {"anthropic_version": "bedrock-2023-05-31",
         "system": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Answer in French."}],
         "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "How are you?"}]}],
         "max_tokens": 1024},
        "LangChain refuses the conversation; Anthropic's Messages API takes one list of system blocks, so every "
        "system message is hoisted into it and the user turns around them merge",
        langchain_raises=True)


def titan(request):
    return {"model": TITAN, **request}


def nova(request):
    return {"model": NOVA, **request}


NOVA_DOCUMENTED = "ChatBedrock sends Nova to Converse, so this body is written from AWS's Nova InvokeModel schema"


def amazon_cases(cases):
    cases.langchain("titan-conversation", "Titan's User:/Bot: prompt with the system text first.",
                    titan({"messages": [system("You are terse."), user("Hi"), assistant("Hello."), user("Name a colour.")],
                           "temperature": 0.2, "max_tokens": 100}))
    cases.langchain("titan-final-bot-turn", "A final assistant message is continued, not followed by a new Bot: tag.",
                    titan({"messages": [user("Complete the list: red, green,"), assistant("blue,  ")]}))
    cases.langchain("titan-model-kwargs-top-p", "model_kwargs and top_p go inside textGenerationConfig.",
                    titan({"messages": [user("Hi")], "top_p": 0.8, "model_kwargs": {"maxTokenCount": 50}}))
    cases.langchain("titan-stream-stop", "Streaming sends stop sequences as stopSequences (LangChain does so when "
                    "streaming).", titan({"messages": [user("Count to ten.")], "stop": ["User:"]}), stream=True)
    cases.langchain("titan-stop-sequences", "Stop sequences are textGenerationConfig.stopSequences.",
                    titan({"messages": [user("Count to ten.")], "stop": ["User:"]}), adjust=("stop_key",))

    nova_cases = [
        ("nova-system-and-user", "System blocks, a user turn, inferenceConfig.",
         nova({"messages": [system("You are a translator."), user("Translate 'hello' into French.")],
               "temperature": 0.3, "max_tokens": 300, "top_p": 0.9, "top_k": 20, "stop": ["END"]}),
         {"schemaVersion": "messages-v1",
          "system": [{"text": "You are a translator."}],
          "messages": [{"role": "user", "content": [{"text": "Translate 'hello' into French."}]}],
          "inferenceConfig": {"maxTokens": 300, "temperature": 0.3, "topP": 0.9, "topK": 20, "stopSequences": ["END"]}}),
        ("nova-minimal", "No parameters: no inferenceConfig.",
         nova({"messages": [user("Hi")]}),
         {"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": "Hi"}]}]}),
        ("nova-tool-round-trip", "toolConfig with toolSpec/inputSchema.json, toolUse and toolResult blocks.",
         nova({"messages": [user("What's the weather in Paris?"), assistant("Let me check.", PARIS_CALL),
                            tool("toolu_1", "18°C, sunny"), user("Thanks, and tomorrow?")],
               "tools": [CITY_TOOL, TZ_TOOL], "tool_choice": "auto"}),
         {"schemaVersion": "messages-v1",
          "messages": [
              {"role": "user", "content": [{"text": "What's the weather in Paris?"}]},
              {"role": "assistant", "content": [{"text": "Let me check."},
                                                {"toolUse": {"toolUseId": "toolu_1", "name": "get_weather",
                                                             "input": {"city": "Paris"}}}]},
              {"role": "user", "content": [{"toolResult": {"toolUseId": "toolu_1", "content": [{"text": "18°C, sunny"}]}},
                                           {"text": "Thanks, and tomorrow?"}]}],
          "toolConfig": {"tools": [
              {"toolSpec": {"name": "get_weather", "description": "Current weather for a city",
                            "inputSchema": {"json": CITY_TOOL["input_schema"]}}},
              {"toolSpec": {"name": "get_time", "inputSchema": {"json": TZ_TOOL["input_schema"]}}}],
              "toolChoice": {"auto": {}}}}),
        ("nova-tool-error-and-any", "A failed tool result has status error; tool_choice any.",
         nova({"messages": [user("Weather?"), assistant("", PARIS_CALL), tool("toolu_1", "no such city", is_error=True)],
               "tools": [CITY_TOOL], "tool_choice": "any"}),
         {"schemaVersion": "messages-v1",
          "messages": [
              {"role": "user", "content": [{"text": "Weather?"}]},
              {"role": "assistant", "content": [{"toolUse": {"toolUseId": "toolu_1", "name": "get_weather",
                                                             "input": {"city": "Paris"}}}]},
              {"role": "user", "content": [{"toolResult": {"toolUseId": "toolu_1", "content": [{"text": "no such city"}],
                                                           "status": "error"}}]}],
          "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "Current weather for a city",
                                                 "inputSchema": {"json": CITY_TOOL["input_schema"]}}}],
                         "toolChoice": {"any": {}}}}),
        ("nova-structured-output", "response_schema forces its tool.",
         nova({"messages": [user("Which weighs more?")], "response_schema": JUSTIFIED_ANSWER}),
         {"schemaVersion": "messages-v1",
          "messages": [{"role": "user", "content": [{"text": "Which weighs more?"}]}],
          "toolConfig": {"tools": [{"toolSpec": {"name": "Answer", "description": "An answer with a justification",
                                                 "inputSchema": {"json": {k: v for k, v in JUSTIFIED_ANSWER.items()
                                                                          if k not in ("title", "description")}}}}],
                         "toolChoice": {"tool": {"name": "Answer"}}}}),
        ("nova-image-document-cache", "Image and document bytes as base64; cache points in system and messages; "
         "consecutive user turns merge.",
         nova({"messages": [system([text("You read documents."), CACHE_POINT]),
                            user([document(PDF), CACHE_POINT]),
                            user([text("And this picture?"), image("image/jpeg", PNG)])]}),
         {"schemaVersion": "messages-v1",
          "system": [{"text": "You read documents."}, {"cachePoint": {"type": "default"}}],
          "messages": [{"role": "user", "content": [
              {"document": {"format": "pdf", "name": "report", "source": {"bytes": PDF}}},
              {"cachePoint": {"type": "default"}},
              {"text": "And this picture?"},
              {"image": {"format": "jpeg", "source": {"bytes": PNG}}}]}]}),
        ("nova-tool-history-without-tools", "tool history with no tools is sent as text (Nova, like Converse, "
         "refuses toolUse/toolResult blocks without toolConfig); reasoning is not sent back.",
         nova({"messages": [user("Weather?"), assistant([reasoning("call the tool", "sig")], PARIS_CALL),
                            tool("toolu_1", "18°C"), user("Summarise.")],
               "model_kwargs": {"inferenceConfig": {"topK": 5}, "reasoningConfig": {"type": "disabled"}},
               "max_tokens": 100}),
         {"schemaVersion": "messages-v1",
          "messages": [
              {"role": "user", "content": [{"text": "Weather?"}]},
              {"role": "assistant", "content": [{"text": '[Called get_weather with parameters: {"city":"Paris"}]'}]},
              {"role": "user", "content": [{"text": "[Tool output: 18°C]"}, {"text": "Summarise."}]}],
          "inferenceConfig": {"topK": 5, "maxTokens": 100},
          "reasoningConfig": {"type": "disabled"}}),
    ]
    for name, description, request, expected in nova_cases:
        cases.documented(name, description, request, expected, NOVA_DOCUMENTED)


# --- Meta, Mistral, DeepSeek, OpenAI, AI21: every model against a grid of conversations -----------------

CONVERSATIONS = {
    "single": ("one user turn", [user("What is the capital of France?")]),
    "system": ("a system prompt and a user turn", [system("You are terse."), user("Name a primary color.")]),
    "multi": ("system, user, assistant and user turns",
              [system("Be brief."), user("Hi"), assistant("Hello! How can I help?"), user("Tell me a joke.")]),
    "unicode": ("non-ASCII text, quotes, a tab and newlines", [user('Grüße — 日本語? "quotes", a\ttab and\nnewlines')]),
}

# Chat-completions conversations with tool calls; ids are nine letters and digits, as Mistral requires.
TOOL_CONVERSATIONS = {
    "tool_history": ("an answered tool call earlier in the conversation", [
        system("Use tools when needed."),
        user("Weather in Zürich?"),
        assistant(tool_calls=[call("abc123XYZ", "get_weather", {"city": "Zürich", "unit": "celsius", "days": 2, "temp": 21.5})]),
        tool("abc123XYZ", "21.5 C and sunny"),
        user("And in Paris?"),
    ]),
    "tool_pending": ("a tool call with awkward JSON arguments, and its result last", [
        user("Weather in Paris?"),
        assistant("Let me check.", [call("def456UVW", "get_weather",
                                         {"city": "Paris", "notes": "line 1\nline 2 \"q\" \\", "tags": ["a", "b"],
                                          "flag": True, "none": None, "tiny": 1e-05, "nested": {"k": []}})]),
        tool("def456UVW", "18 C, light rain"),
    ]),
}

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"},
                                                      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                     "required": ["city"]},
}
TIME_TOOL = {"name": "get_time", "description": "Local time in a city.",
             "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
ANSWER_SCHEMA = {"title": "Answer", "description": "The final answer.", "type": "object",
                 "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}}, "required": ["answer"]}

PARAMS = {
    "none": ("no parameters", {}),
    "sampling": ("temperature and max_tokens", {"temperature": 0.2, "max_tokens": 256}),
    "top_p": ("temperature 0, max_tokens and top_p", {"temperature": 0, "max_tokens": 64, "top_p": 0.9}),
    "stop": ("two stop sequences", {"stop": ["\n\nUser:", "END"]}),
}

# family: (models, LangChain provider path, adjustments applied where they change the body, oracle, model_kwargs)
PROMPT_FAMILIES = {
    "meta": (["meta.llama2-13b-chat-v1", "meta.llama3-8b-instruct-v1:0", "us.meta.llama3-2-11b-instruct-v1:0",
              "meta.llama3-3-70b-instruct-v1:0", "us.meta.llama4-maverick-17b-instruct-v1:0"],
             "meta", ("meta_no_stop",), (), {"max_gen_len": 50, "top_p": 0.5}),
    "mistral": (["mistral.mistral-7b-instruct-v0:2", "mistral.mixtral-8x7b-instruct-v0:1",
                 "mistral.mistral-large-2402-v1:0", "mistral.mistral-small-2402-v1:0"],
                "mistral", ("stop_key",), (), {"top_k": 40, "max_tokens": 50}),
    "deepseek": (["us.deepseek.r1-v1:0"], "deepseek", ("stop_key",), (), {"top_p": 0.95}),
}
CHAT_FAMILIES = {
    "openai": (["openai.gpt-oss-20b-1:0", "openai.gpt-oss-120b-1:0"], "openai", ("stop_key",), (),
               {"reasoning_effort": "low", "max_completion_tokens": 50}),
    "mistral_chat": (["mistral.mistral-large-2407-v1:0", "us.mistral.pixtral-large-2502-v1:0"], "openai",
                     ("stop_key", "max_tokens_key"), ("openai_path",), {"random_seed": 7}),
    "ai21": (["ai21.jamba-1-5-mini-v1:0", "ai21.jamba-1-5-large-v1:0"], "openai",
             ("stop_key", "max_tokens_key"), ("openai_path",), {"frequency_penalty": 0.1}),
}


def function_tool(spec):
    return convert_to_openai_tool({"name": spec["name"], "description": spec["description"],
                                   "parameters": spec["input_schema"]})


def grid_cases(cases, models, lc_provider, adjustments, oracle, model_kwargs):
    """The conversation × parameter grid, model_kwargs, and a stream, for each model."""
    options = {"lc_provider": lc_provider, "where_applicable": adjustments, "oracle": oracle}
    for model in models:
        for conv_name, (conv_description, messages) in CONVERSATIONS.items():
            for params_name, (params_description, params) in PARAMS.items():
                cases.langchain(f"{model}/{conv_name}/{params_name}", f"{conv_description}; {params_description}",
                                {"model": model, "messages": messages, **params}, **options)
        cases.langchain(f"{model}/multi/model_kwargs", "model_kwargs merged into the body",
                        {"model": model, "messages": CONVERSATIONS["multi"][1], "max_tokens": 100,
                         "model_kwargs": model_kwargs}, **options)
        cases.langchain(f"{model}/multi/stream", "the InvokeModelWithResponseStream body",
                        {"model": model, "messages": CONVERSATIONS["multi"][1], "temperature": 0.5},
                        stream=True, **options)


def prompt_cases(cases):
    for spec in PROMPT_FAMILIES.values():
        grid_cases(cases, *spec)
    # LangChain streams Mistral's prompt models with their stop sequences (other prompt providers refuse).
    model = PROMPT_FAMILIES["mistral"][0][0]
    cases.langchain(f"{model}/system/stream_stop", "a streamed body with a stop sequence",
                    {"model": model, "messages": CONVERSATIONS["system"][1], "stop": ["END"]},
                    stream=True, adjust=("stop_key",))


def chat_cases(cases):
    for family, (models, lc_provider, adjustments, oracle, model_kwargs) in CHAT_FAMILIES.items():
        grid_cases(cases, models, lc_provider, adjustments, oracle, model_kwargs)
        tool_oracle = (*oracle, "tools_via_model_kwargs")
        options = {"lc_provider": lc_provider, "where_applicable": adjustments}
        for model in models:
            for conv_name, (conv_description, messages) in TOOL_CONVERSATIONS.items():
                cases.langchain(f"{model}/{conv_name}/history_only", f"{conv_description}; no tools offered",
                                {"model": model, "messages": messages, "max_tokens": 200}, oracle=oracle, **options)
                cases.langchain(f"{model}/{conv_name}/tools", f"{conv_description}; tools offered",
                                {"model": model, "messages": messages, "tools": [WEATHER_TOOL, TIME_TOOL]},
                                oracle=tool_oracle, extra_model_kwargs={"tools": [function_tool(WEATHER_TOOL),
                                                                                  function_tool(TIME_TOOL)]}, **options)
            tool_choice_cases(cases, family, model, tool_oracle, options)
    # Pixtral takes images as image_url parts with a data URI.
    model = CHAT_FAMILIES["mistral_chat"][0][1]
    cases.langchain(f"{model}/image", "an image as an image_url part with a data URI",
                    {"model": model, "messages": [user([text("What is in this picture?"), image("image/png", "iVBORw0KGgo=")])]},
                    lc_provider="openai", oracle=CHAT_FAMILIES["mistral_chat"][3])


def tool_choice_cases(cases, family, model, oracle, options):
    """Forced and disabled tool use, and structured output, in each dialect's vocabulary."""
    weather, time = function_tool(WEATHER_TOOL), function_tool(TIME_TOOL)
    answer = convert_to_openai_tool(ANSWER_SCHEMA)
    both = [WEATHER_TOOL, TIME_TOOL]
    # (name, description, request additions, oracle tools, oracle tool_choice) per dialect.
    if family == "openai":
        variants = [
            ("auto", "tool_choice auto", {"tools": both, "tool_choice": "auto"}, [weather, time], "auto"),
            ("any", "tool_choice any is `required`", {"tools": both, "tool_choice": "any"}, [weather, time], "required"),
            ("none", "tool_choice none", {"tools": both, "tool_choice": "none"}, [weather, time], "none"),
            ("named", "tool_choice naming a function", {"tools": both, "tool_choice": {"name": "get_time"}}, [weather, time],
             {"type": "function", "function": {"name": "get_time"}}),
            ("schema", "response_schema forces its function", {"response_schema": ANSWER_SCHEMA}, [answer],
             {"type": "function", "function": {"name": "Answer"}}),
        ]
    elif family == "mistral_chat":
        variants = [
            ("auto", "tool_choice auto", {"tools": both, "tool_choice": "auto"}, [weather, time], "auto"),
            ("any", "tool_choice any", {"tools": both, "tool_choice": "any"}, [weather, time], "any"),
            ("none", "tool_choice none", {"tools": both, "tool_choice": "none"}, [weather, time], "none"),
            ("named", "Mistral cannot name a tool: only that one is offered, and a call is forced",
             {"tools": both, "tool_choice": {"name": "get_time"}}, [time], "any"),
            ("schema", "response_schema is its tool, forced", {"response_schema": ANSWER_SCHEMA}, [answer], "any"),
        ]
    else:  # ai21: no tool_choice member at all
        variants = [
            ("auto", "no tool_choice member: tools offered", {"tools": both, "tool_choice": "auto"}, [weather, time], None),
            ("any", "no tool_choice member: tools offered", {"tools": both, "tool_choice": "any"}, [weather, time], None),
            ("none", "tool_choice none offers no tools", {"tools": both, "tool_choice": "none"}, None, None),
            ("named", "a named tool is offered alone", {"tools": both, "tool_choice": {"name": "get_time"}}, [time], None),
            ("schema", "response_schema is offered as the only tool", {"response_schema": ANSWER_SCHEMA}, [answer], None),
        ]
    for name, description, additions, tools, choice in variants:
        extra = {}
        if tools is not None:
            extra["tools"] = tools
        if choice is not None:
            extra["tool_choice"] = choice
        cases.langchain(f"{model}/tool_choice/{name}", description,
                        {"model": model, "messages": [user("Weather in Oslo?")], **additions},
                        oracle=oracle, extra_model_kwargs=extra, **options)


# --- Responses: sample bodies and chunks as AWS documents them, and LangChain's reading of them ----------

RESPONSES = [
    {"name": "meta", "model": "meta.llama3-8b-instruct-v1:0",
     "body": {"generation": "Paris is the capital of France.", "prompt_token_count": 17,
              "generation_token_count": 8, "stop_reason": "stop"},
     "chunks": [{"generation": "Paris is", "prompt_token_count": 17, "generation_token_count": 2, "stop_reason": None},
                {"generation": " the capital.", "prompt_token_count": None, "generation_token_count": 5, "stop_reason": "stop",
                 "amazon-bedrock-invocationMetrics": {"inputTokenCount": 17, "outputTokenCount": 5,
                                                      "invocationLatency": 200, "firstByteLatency": 90}}]},
    {"name": "mistral_prompt", "model": "mistral.mistral-7b-instruct-v0:2",
     "body": {"outputs": [{"text": " Paris is the capital of France.", "stop_reason": "stop"}]},
     "chunks": [{"outputs": [{"text": " Paris", "stop_reason": None}]},
                {"outputs": [{"text": " is the capital.", "stop_reason": "stop"}],
                 "amazon-bedrock-invocationMetrics": {"inputTokenCount": 12, "outputTokenCount": 6,
                                                      "invocationLatency": 150, "firstByteLatency": 80}}]},
    {"name": "deepseek", "model": "us.deepseek.r1-v1:0",
     "body": {"choices": [{"text": "The user asks for the capital. It is Paris.\n</think>\n\nParis is the capital of France.",
                           "stop_reason": "stop"}]},
     "chunks": [{"choices": [{"text": "The user asks", "stop_reason": None}]},
                {"choices": [{"text": " for the capital.\n</th", "stop_reason": None}]},
                {"choices": [{"text": "ink>\n\nParis.", "stop_reason": "stop"}],
                 "amazon-bedrock-invocationMetrics": {"inputTokenCount": 10, "outputTokenCount": 9,
                                                      "invocationLatency": 300, "firstByteLatency": 100}}]},
    {"name": "openai", "model": "openai.gpt-oss-20b-1:0",
     "body": {"id": "chatcmpl-1", "object": "chat.completion", "created": 1754000000, "model": "openai.gpt-oss-20b-1:0",
              "choices": [{"index": 0, "message": {"role": "assistant",
                                                   "content": "<reasoning>Simple geography.</reasoning>Paris is the capital of France."},
                           "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 20, "completion_tokens": 11, "total_tokens": 31}},
     "chunks": [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": "<reason"}, "finish_reason": None}]},
                {"choices": [{"index": 0, "delta": {"content": "ing>Simple geography.</reasoning>Paris"}, "finish_reason": None}]},
                {"choices": [{"index": 0, "delta": {"content": " is the capital."}, "finish_reason": "stop"}],
                 "amazon-bedrock-invocationMetrics": {"inputTokenCount": 20, "outputTokenCount": 9,
                                                      "invocationLatency": 250, "firstByteLatency": 95}}]},
]


def langchain_reading(spec):
    """What ChatBedrock returns for the sample body and for the sample stream."""
    headers = {"x-amzn-bedrock-input-token-count": "7", "x-amzn-bedrock-output-token-count": "5"}
    client = FakeClient(spec["body"], spec["chunks"], headers)
    chat = ChatBedrock(model_id=spec["model"], client=client, region_name="us-east-1")
    message = chat.invoke([HumanMessage("What is the capital of France?")])
    streamed = "".join(chunk.content for chunk in chat.stream([HumanMessage("What is the capital of France?")]))
    return {"content": message.content, "stop_reason": message.additional_kwargs.get("stop_reason"),
            "stream_content": streamed}


# --- Output ----------------------------------------------------------------------------------------------

def build():
    """{file name: text} for every provider."""
    cases = Cases()
    anthropic_cases(cases)
    amazon_cases(cases)
    prompt_cases(cases)
    chat_cases(cases)
    responses = {}
    for spec in RESPONSES:
        responses.setdefault(provider_of(spec["model"]), []).append({**spec, "langchain": langchain_reading(spec)})
    version = metadata.version("langchain-aws")
    files = {}
    for provider, provider_cases in cases.by_provider.items():
        document = {
            "generator": GENERATOR,
            "langchain_aws_version": version,
            "provider": provider,
            "cases": provider_cases,
            "responses": responses.get(provider, []),
        }
        files[f"{provider}.json"] = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the files on disk differ")
    args = parser.parse_args()
    files = build()
    on_disk = {name for name in os.listdir(OUT_DIR) if name.endswith(".json")} if os.path.isdir(OUT_DIR) else set()
    if args.check:
        stale = sorted(name for name, content in files.items()
                       if name not in on_disk or open(os.path.join(OUT_DIR, name), encoding="utf-8").read() != content)
        extra = sorted(on_disk - set(files))
        if stale or extra:
            raise SystemExit(f"provider vectors out of date (stale: {stale}, not generated: {extra}); run {GENERATOR}")
        print(f"{len(files)} provider vector files up to date")
        return 0
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in sorted(on_disk - set(files)):
        os.remove(os.path.join(OUT_DIR, name))
    for name, content in sorted(files.items()):
        with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8") as handle:
            handle.write(content)
        print(f"wrote {name}: {content.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
