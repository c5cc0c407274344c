#!/usr/bin/env python3
"""Generate InvokeModel body vectors for the Meta, Mistral, DeepSeek, OpenAI and AI21 formats,
using LangChain's ChatBedrock (langchain-aws) as the oracle.

Each case is a provider-independent chat request (C-API.md's shape, content as blocks). The
script turns it into LangChain messages and parameters, drives ChatBedrock against a fake
boto3 client that records the InvokeModel body, and writes that body as ``langchain_body``.
``expected_body`` is what the Swift format must produce: LangChain's body with the named,
deliberate adjustments listed in ``adjustments`` applied (each is a place where LangChain's
body is rejected by Bedrock or cannot express the request; see ADJUSTMENTS below).

Formats ChatBedrock cannot drive directly use its OpenAI message path as the oracle for the
shared chat-completions encoder: Mistral's chat models (ChatBedrock sends them a prompt they
do not accept) and AI21 Jamba (ChatBedrock refuses to chat with AI21). Those cases run
ChatBedrock with ``provider="openai"`` and the real model id. Tools, which ChatBedrock's
``bind_tools`` drops for every provider but Anthropic, go in through ``model_kwargs`` as
``convert_to_openai_tool`` writes them.

The ``responses`` section holds sample response bodies and stream chunks (shaped as AWS
documents them) with what LangChain's ChatBedrock makes of them, for the parity checks.

Writes Tests/BedrockTests/Vectors/providers/langchain_bodies.json. Deterministic.
Usage: python3 tools/vectors/gen_provider_vectors.py [--check]
"""

import argparse
import copy
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")

from langchain_aws import ChatBedrock  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage  # noqa: E402
from langchain_core.utils.function_calling import convert_to_openai_tool  # noqa: E402
import langchain_aws  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "BedrockTests", "Vectors", "providers", "langchain_bodies.json")

# Where the expected body deliberately differs from LangChain's, and why.
ADJUSTMENTS = {
    "meta_no_stop": "Llama has no stop parameter (Bedrock rejects LangChain's stop_sequences); "
                    "the chat layer truncates at the stop sequence instead",
    "stop_key": "stop sequences under `stop`, the key Bedrock documents for this model "
                "(LangChain sends stop_sequences)",
    "max_tokens_key": "max tokens under `max_tokens`, this model's key (the OpenAI path writes "
                      "max_completion_tokens)",
    "tools_via_model_kwargs": "tools sent as chat-completions functions (ChatBedrock's bind_tools drops "
                              "them for this provider; the oracle passes them through model_kwargs)",
}

# ---------------------------------------------------------------------------------------------
# Conversations, in C-API block form.


def text(t):
    return {"type": "text", "text": t}


def user(*blocks):
    return {"role": "user", "content": [text(b) if isinstance(b, str) else b for b in blocks]}


def system(t):
    return {"role": "system", "content": [text(t)]}


def assistant(*blocks):
    return {"role": "assistant", "content": [text(b) if isinstance(b, str) else b for b in blocks]}


def tool_use(id_, name, input_):
    return {"type": "tool_use", "id": id_, "name": name, "input": input_}


def tool_result(id_, t):
    return {"role": "tool", "content": [{"type": "tool_result", "tool_use_id": id_, "content": [text(t)], "is_error": False}]}


CONVERSATIONS = {
    "single": [user("What is the capital of France?")],
    "system": [system("You are terse."), user("Name a primary color.")],
    "multi": [system("Be brief."), user("Hi"), assistant("Hello! How can I help?"), user("Tell me a joke.")],
    "unicode": [user('Grüße — 日本語? "quotes", a\ttab and\nnewlines')],
}

# Chat-completions conversations with tool calls; ids are nine letters and digits, as Mistral requires.
TOOL_CONVERSATIONS = {
    "tool_history": [
        system("Use tools when needed."),
        user("Weather in Zürich?"),
        assistant(tool_use("abc123XYZ", "get_weather", {"city": "Zürich", "unit": "celsius", "days": 2, "temp": 21.5})),
        tool_result("abc123XYZ", "21.5 C and sunny"),
        user("And in Paris?"),
    ],
    "tool_pending": [
        user("Weather in Paris?"),
        assistant("Let me check.", tool_use("def456UVW", "get_weather",
                                            {"city": "Paris", "notes": "line 1\nline 2 \"q\" \\", "tags": ["a", "b"],
                                             "flag": True, "none": None, "tiny": 1e-05, "nested": {"k": []}})),
        tool_result("def456UVW", "18 C, light rain"),
    ],
}

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                     "required": ["city"]},
}
TIME_TOOL = {"name": "get_time", "description": "Local time in a city.",
             "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
ANSWER_SCHEMA = {"title": "Answer", "description": "The final answer.", "type": "object",
                 "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}}, "required": ["answer"]}

PARAMS = {
    "none": {},
    "sampling": {"temperature": 0.2, "max_tokens": 256},
    "top_p": {"temperature": 0, "max_tokens": 64, "top_p": 0.9},
    "stop": {"stop": ["\n\nUser:", "END"]},
}

META = ["meta.llama2-13b-chat-v1", "meta.llama3-8b-instruct-v1:0", "us.meta.llama3-2-11b-instruct-v1:0",
        "meta.llama3-3-70b-instruct-v1:0", "us.meta.llama4-maverick-17b-instruct-v1:0"]
MISTRAL_PROMPT = ["mistral.mistral-7b-instruct-v0:2", "mistral.mixtral-8x7b-instruct-v0:1",
                  "mistral.mistral-large-2402-v1:0", "mistral.mistral-small-2402-v1:0"]
DEEPSEEK = ["us.deepseek.r1-v1:0"]
OPENAI = ["openai.gpt-oss-20b-1:0", "openai.gpt-oss-120b-1:0"]
MISTRAL_CHAT = ["mistral.mistral-large-2407-v1:0", "us.mistral.pixtral-large-2502-v1:0"]
AI21 = ["ai21.jamba-1-5-mini-v1:0", "ai21.jamba-1-5-large-v1:0"]

MODEL_KWARGS = {
    "meta": {"max_gen_len": 50, "top_p": 0.5},
    "mistral": {"top_k": 40, "max_tokens": 50},
    "deepseek": {"top_p": 0.95},
    "openai": {"reasoning_effort": "low", "max_completion_tokens": 50},
    "mistral_chat": {"random_seed": 7},
    "ai21": {"frequency_penalty": 0.1},
}

# ---------------------------------------------------------------------------------------------
# Driving ChatBedrock.


class _Body:
    def __init__(self, payload):
        self._bytes = json.dumps(payload).encode()

    def read(self):
        return self._bytes


class FakeClient:
    """Stands in for boto3's bedrock-runtime client; records the body and returns a reply."""

    def __init__(self, reply=None, chunks=None, headers=None):
        self.reply, self.chunks, self.headers, self.bodies = reply, chunks, headers or {}, []

    def invoke_model(self, **kwargs):
        self.bodies.append(json.loads(kwargs["body"]))
        return {"body": _Body(self.reply), "ResponseMetadata": {"HTTPHeaders": self.headers}}

    def invoke_model_with_response_stream(self, **kwargs):
        self.bodies.append(json.loads(kwargs["body"]))
        return {"body": [{"chunk": {"bytes": json.dumps(c).encode()}} for c in self.chunks]}


# A reply of the right shape for each LangChain provider path, so invoke() completes.
PLACEHOLDER_REPLY = {
    "meta": {"generation": "ok", "stop_reason": "stop"},
    "mistral": {"outputs": [{"text": "ok", "stop_reason": "stop"}]},
    "deepseek": {"choices": [{"text": "ok", "stop_reason": "stop"}]},
    "openai": {"choices": [{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]},
}
PLACEHOLDER_CHUNKS = {
    "meta": [{"generation": "ok", "stop_reason": "stop"}],
    "mistral": [{"outputs": [{"text": "ok", "stop_reason": "stop"}]}],
    "deepseek": [{"choices": [{"text": "ok", "stop_reason": "stop"}]}],
    "openai": [{"choices": [{"delta": {"content": "ok"}, "finish_reason": "stop"}]}],
}


def to_langchain(messages):
    out = []
    for m in messages:
        blocks = m["content"]
        texts = [b["text"] for b in blocks if b["type"] == "text"]
        if m["role"] == "system":
            out.append(SystemMessage("".join(texts)))
        elif m["role"] == "user":
            images = [b for b in blocks if b["type"] == "image"]
            if images:
                content = []
                for b in blocks:
                    if b["type"] == "text":
                        content.append({"type": "text", "text": b["text"]})
                    else:
                        content.append({"type": "image", "source_type": "base64", "mime_type": b["media_type"], "data": b["data"]})
                out.append(HumanMessage(content))
            else:
                out.append(HumanMessage("".join(texts)))
        elif m["role"] == "assistant":
            calls = [{"id": b["id"], "name": b["name"], "args": b["input"]} for b in blocks if b["type"] == "tool_use"]
            out.append(AIMessage("".join(texts), tool_calls=calls))
        elif m["role"] == "tool":
            (result,) = blocks
            out.append(ToolMessage("".join(b["text"] for b in result["content"]), tool_call_id=result["tool_use_id"]))
    return out


def run_langchain(model, lc_provider, request, stream):
    """The body ChatBedrock sends for the request, or the error it raises."""
    kwargs = {}
    if "temperature" in request:
        kwargs["temperature"] = request["temperature"]
    if "max_tokens" in request:
        kwargs["max_tokens"] = request["max_tokens"]
    model_kwargs = dict(request.get("model_kwargs", {}))
    if "top_p" in request:
        model_kwargs["top_p"] = request["top_p"]  # ChatBedrock has no top_p field; it goes to model_kwargs
    model_kwargs.update(request.get("_oracle_model_kwargs", {}))
    if model_kwargs:
        kwargs["model_kwargs"] = model_kwargs
    if lc_provider == "openai" and not model.startswith(("openai.", "us.openai.")):
        kwargs["provider"] = "openai"
    client = FakeClient(PLACEHOLDER_REPLY[lc_provider], PLACEHOLDER_CHUNKS[lc_provider])
    chat = ChatBedrock(model_id=model, client=client, region_name="us-east-1", **kwargs)
    stop = request.get("stop")
    try:
        if stream:
            list(chat.stream(to_langchain(request["messages"]), stop=stop))
        else:
            chat.invoke(to_langchain(request["messages"]), stop=stop)
    except Exception as error:  # noqa: BLE001 - recorded in the vector
        return None, f"{type(error).__name__}: {error}"
    return client.bodies[0], None


# ---------------------------------------------------------------------------------------------
# Cases.


def function_tool(spec):
    return convert_to_openai_tool({"name": spec["name"], "description": spec["description"],
                                   "parameters": spec["input_schema"]})


def add_case(cases, name, model, family, lc_provider, request, stream=False, adjust=()):
    body, error = run_langchain(model, lc_provider, request, stream)
    if body is None:
        raise SystemExit(f"{name}: LangChain failed: {error}")
    expected = copy.deepcopy(body)
    for adjustment in adjust:
        apply_adjustment(adjustment, family, expected)
    public = {k: v for k, v in request.items() if not k.startswith("_")}
    cases.append({
        "name": name, "model": model, "stream": stream, "request": public,
        "langchain_body": body, "expected_body": expected,
        "adjustments": [{"name": a, "why": ADJUSTMENTS[a]} for a in adjust],
    })


def apply_adjustment(name, family, body):
    if name == "meta_no_stop":
        body.pop("stop_sequences", None)
    elif name == "stop_key":
        if "stop_sequences" in body:
            body["stop"] = body.pop("stop_sequences")
    elif name == "max_tokens_key":
        if "max_completion_tokens" in body:
            body["max_tokens"] = body.pop("max_completion_tokens")
    elif name == "tools_via_model_kwargs":
        pass  # the oracle already put them in; recorded so the difference is visible
    else:
        raise SystemExit(f"unknown adjustment {name}")


def prompt_cases(cases):
    for family, models, lc_provider in (("meta", META, "meta"), ("mistral", MISTRAL_PROMPT, "mistral"),
                                        ("deepseek", DEEPSEEK, "deepseek")):
        stop_adjust = ("meta_no_stop",) if family == "meta" else ("stop_key",)
        for model in models:
            for conv_name, messages in CONVERSATIONS.items():
                for params_name, params in PARAMS.items():
                    request = {"model": model, "messages": messages, **params}
                    adjust = stop_adjust if "stop" in params else ()
                    add_case(cases, f"{model}/{conv_name}/{params_name}", model, family, lc_provider, request, adjust=adjust)
            request = {"model": model, "messages": CONVERSATIONS["multi"], "max_tokens": 100,
                       "model_kwargs": MODEL_KWARGS[family]}
            add_case(cases, f"{model}/multi/model_kwargs", model, family, lc_provider, request)
            request = {"model": model, "messages": CONVERSATIONS["multi"], "temperature": 0.5}
            add_case(cases, f"{model}/multi/stream", model, family, lc_provider, request, stream=True)
    # LangChain streams Mistral's prompt models with their stop sequences (other prompt providers refuse).
    request = {"model": MISTRAL_PROMPT[0], "messages": CONVERSATIONS["system"], "stop": ["END"]}
    add_case(cases, f"{MISTRAL_PROMPT[0]}/system/stream_stop", MISTRAL_PROMPT[0], "mistral", "mistral",
             request, stream=True, adjust=("stop_key",))


def chat_cases(cases):
    families = (("openai", OPENAI, ("stop_key",)),
                ("mistral_chat", MISTRAL_CHAT, ("stop_key", "max_tokens_key")),
                ("ai21", AI21, ("stop_key", "max_tokens_key")))
    for family, models, key_adjust in families:
        for model in models:
            for conv_name, messages in CONVERSATIONS.items():
                for params_name, params in PARAMS.items():
                    request = {"model": model, "messages": messages, **params}
                    add_case(cases, f"{model}/{conv_name}/{params_name}", model, family, "openai", request,
                             adjust=key_adjust)
            request = {"model": model, "messages": CONVERSATIONS["multi"], "max_tokens": 100,
                       "model_kwargs": MODEL_KWARGS[family]}
            add_case(cases, f"{model}/multi/model_kwargs", model, family, "openai", request, adjust=key_adjust)
            request = {"model": model, "messages": CONVERSATIONS["multi"], "temperature": 0.5}
            add_case(cases, f"{model}/multi/stream", model, family, "openai", request, stream=True, adjust=key_adjust)
            for conv_name, messages in TOOL_CONVERSATIONS.items():
                request = {"model": model, "messages": messages, "max_tokens": 200}
                add_case(cases, f"{model}/{conv_name}/history_only", model, family, "openai", request, adjust=key_adjust)
                request = {"model": model, "messages": messages, "tools": [WEATHER_TOOL, TIME_TOOL],
                           "_oracle_model_kwargs": {"tools": [function_tool(WEATHER_TOOL), function_tool(TIME_TOOL)]}}
                add_case(cases, f"{model}/{conv_name}/tools", model, family, "openai", request,
                         adjust=key_adjust + ("tools_via_model_kwargs",))
            tool_choice_cases(cases, family, model, key_adjust)
    # Pixtral takes images as image_url parts with a data URI.
    model = MISTRAL_CHAT[1]
    request = {"model": model, "messages": [user("What is in this picture?", {"type": "image", "media_type": "image/png", "data": "iVBORw0KGgo="})]}
    add_case(cases, f"{model}/image", model, "mistral_chat", "openai", request, adjust=("stop_key", "max_tokens_key"))


def tool_choice_cases(cases, family, model, key_adjust):
    """Forced and disabled tool use, and structured output, in each dialect's vocabulary."""
    conv = [user("Weather in Oslo?")]
    weather, time = function_tool(WEATHER_TOOL), function_tool(TIME_TOOL)
    answer = convert_to_openai_tool(ANSWER_SCHEMA)
    # (name, request additions, oracle tools, oracle tool_choice) per dialect.
    if family == "openai":
        variants = [
            ("auto", {"tool_choice": "auto"}, [weather, time], "auto"),
            ("any", {"tool_choice": "any"}, [weather, time], "required"),
            ("none", {"tool_choice": "none"}, [weather, time], "none"),
            ("named", {"tool_choice": {"name": "get_time"}}, [weather, time],
             {"type": "function", "function": {"name": "get_time"}}),
            ("schema", {"response_schema": ANSWER_SCHEMA, "_no_tools": True}, [answer],
             {"type": "function", "function": {"name": "Answer"}}),
        ]
    elif family == "mistral_chat":
        variants = [
            ("auto", {"tool_choice": "auto"}, [weather, time], "auto"),
            ("any", {"tool_choice": "any"}, [weather, time], "any"),
            ("none", {"tool_choice": "none"}, [weather, time], "none"),
            # Mistral cannot name a tool: only that one is offered, and a call is forced.
            ("named", {"tool_choice": {"name": "get_time"}}, [time], "any"),
            ("schema", {"response_schema": ANSWER_SCHEMA, "_no_tools": True}, [answer], "any"),
        ]
    else:  # ai21: no tool_choice member at all
        variants = [
            ("auto", {"tool_choice": "auto"}, [weather, time], None),
            ("any", {"tool_choice": "any"}, [weather, time], None),
            ("none", {"tool_choice": "none"}, None, None),
            ("named", {"tool_choice": {"name": "get_time"}}, [time], None),
            ("schema", {"response_schema": ANSWER_SCHEMA, "_no_tools": True}, [answer], None),
        ]
    for name, additions, tools, choice in variants:
        request = {"model": model, "messages": conv}
        additions = dict(additions)
        if not additions.pop("_no_tools", False):
            request["tools"] = [WEATHER_TOOL, TIME_TOOL]
        request.update(additions)
        oracle = {}
        if tools is not None:
            oracle["tools"] = tools
        if choice is not None:
            oracle["tool_choice"] = choice
        request["_oracle_model_kwargs"] = oracle
        add_case(cases, f"{model}/tool_choice/{name}", model, family, "openai", request,
                 adjust=key_adjust + ("tools_via_model_kwargs",))


# ---------------------------------------------------------------------------------------------
# Responses: sample bodies and chunks as AWS documents them, and LangChain's reading of them.

RESPONSES = [
    {"name": "meta", "model": "meta.llama3-8b-instruct-v1:0", "provider": "meta",
     "body": {"generation": "Paris is the capital of France.", "prompt_token_count": 17,
              "generation_token_count": 8, "stop_reason": "stop"},
     "chunks": [{"generation": "Paris is", "prompt_token_count": 17, "generation_token_count": 2, "stop_reason": None},
                {"generation": " the capital.", "prompt_token_count": None, "generation_token_count": 5, "stop_reason": "stop",
                 "amazon-bedrock-invocationMetrics": {"inputTokenCount": 17, "outputTokenCount": 5,
                                                      "invocationLatency": 200, "firstByteLatency": 90}}]},
    {"name": "mistral_prompt", "model": "mistral.mistral-7b-instruct-v0:2", "provider": "mistral",
     "body": {"outputs": [{"text": " Paris is the capital of France.", "stop_reason": "stop"}]},
     "chunks": [{"outputs": [{"text": " Paris", "stop_reason": None}]},
                {"outputs": [{"text": " is the capital.", "stop_reason": "stop"}],
                 "amazon-bedrock-invocationMetrics": {"inputTokenCount": 12, "outputTokenCount": 6,
                                                      "invocationLatency": 150, "firstByteLatency": 80}}]},
    {"name": "deepseek", "model": "us.deepseek.r1-v1:0", "provider": "deepseek",
     "body": {"choices": [{"text": "The user asks for the capital. It is Paris.\n</think>\n\nParis is the capital of France.",
                           "stop_reason": "stop"}]},
     "chunks": [{"choices": [{"text": "The user asks", "stop_reason": None}]},
                {"choices": [{"text": " for the capital.\n</th", "stop_reason": None}]},
                {"choices": [{"text": "ink>\n\nParis.", "stop_reason": "stop"}],
                 "amazon-bedrock-invocationMetrics": {"inputTokenCount": 10, "outputTokenCount": 9,
                                                      "invocationLatency": 300, "firstByteLatency": 100}}]},
    {"name": "openai", "model": "openai.gpt-oss-20b-1:0", "provider": "openai",
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


def build():
    cases = []
    prompt_cases(cases)
    chat_cases(cases)
    responses = []
    for spec in RESPONSES:
        responses.append({**{k: spec[k] for k in ("name", "model", "body", "chunks")}, "langchain": langchain_reading(spec)})
    return {
        "generator": "tools/vectors/gen_provider_vectors.py",
        "langchain_aws_version": getattr(langchain_aws, "__version__", "unknown"),
        "adjustments": ADJUSTMENTS,
        "cases": cases,
        "responses": responses,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the file on disk differs")
    args = parser.parse_args()
    text_out = json.dumps(build(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    if args.check:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text_out:
                raise SystemExit(f"{OUT} is stale; re-run {__file__}")
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text_out)
    print(f"wrote {OUT}: {text_out.count(chr(10))} lines")


if __name__ == "__main__":
    sys.exit(main())
