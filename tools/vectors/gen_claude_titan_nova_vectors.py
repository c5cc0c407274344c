#!/usr/bin/env python3
"""Generate InvokeModel request-body vectors for the Anthropic and Amazon formats.

Writes Tests/BedrockTests/Vectors/providers/request_bodies.json (relative to the repo root).

The oracle is langchain-aws's ChatBedrock itself: each case's conversation is turned into
LangChain messages, sent through `ChatBedrock(..., client=fake)` (bind_tools /
with_structured_output / invoke(stop=...) / stream as the case asks), and the fake client
records the `body` ChatBedrock passes to `invoke_model` / `invoke_model_with_response_stream`.
That body is the expected one, except where the library deliberately does what Bedrock's
documented format requires instead: such a case names the difference in `deviation`, keeps
LangChain's own body in `langchain_body`, and derives `expected_body` from it with a small,
reviewable transform below.  Nova has no LangChain InvokeModel body (ChatBedrock routes Nova to
Converse), so its expected bodies are written by hand from AWS's documented Nova InvokeModel
schema (`source: "aws-docs"`).

Each case's `request` uses the C-API chat request shape (C-API.md), with two test-only
conveniences: tools and `response_schema` are given as ToolSpecs
(`{"name", "description", "input_schema", "cache_point"}`), and `stream` says which operation
the body is for.

Usage: python3 tools/vectors/gen_claude_titan_nova_vectors.py [--out PATH]
Deterministic: no network, no clock.
"""

import argparse
import copy
import io
import json
import os
import warnings
from importlib import metadata

from langchain_aws import ChatBedrock
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "BedrockTests", "Vectors", "providers", "request_bodies.json")

CLAUDE_35 = "anthropic.claude-3-5-sonnet-20240620-v1:0"
CLAUDE_37 = "anthropic.claude-3-7-sonnet-20250219-v1:0"
CLAUDE_SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"
TITAN = "amazon.titan-text-express-v1"
NOVA = "amazon.nova-lite-v1:0"

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
PDF = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
TIME_TOOL = {"name": "get_time", "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}}}
ANSWER_SCHEMA = {
    "name": "Answer",
    "description": "An answer with a justification",
    "input_schema": {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "justification": {"type": "string"}},
        "required": ["answer", "justification"],
    },
}


# --- The fake boto3 client -------------------------------------------------------------------

class FakeBedrockRuntime:
    """Records request bodies; answers with a canned Claude or Titan reply."""

    def __init__(self, reply):
        self.reply = reply
        self.bodies = []

    def invoke_model(self, **kwargs):
        self.bodies.append(json.loads(kwargs["body"]))
        return {
            "body": io.BytesIO(json.dumps(self.reply).encode()),
            "ResponseMetadata": {"HTTPHeaders": {
                "x-amzn-bedrock-input-token-count": "10",
                "x-amzn-bedrock-output-token-count": "5",
            }},
        }

    def invoke_model_with_response_stream(self, **kwargs):
        self.bodies.append(json.loads(kwargs["body"]))
        return {"body": []}


CLAUDE_REPLY = {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
    "content": [{"type": "tool_use", "id": "toolu_1", "name": "Answer",
                 "input": {"answer": "a", "justification": "j"}}],
    "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5},
}
TITAN_REPLY = {"inputTextTokenCount": 10, "results": [{"tokenCount": 5, "outputText": "ok", "completionReason": "FINISH"}]}


# --- Request (C-API shape) → LangChain messages -----------------------------------------------

def _lc_blocks(blocks):
    """C-API content blocks → LangChain content list; cache points mark the block before."""
    out = []
    for block in blocks:
        kind = block["type"]
        if kind == "cache_point":
            out[-1]["cache_control"] = {"type": "ephemeral"}
        elif kind == "text":
            out.append({"type": "text", "text": block["text"]})
        elif kind == "image":
            out.append({"type": "image_url",
                        "image_url": {"url": f"data:{block['media_type']};base64,{block['data']}"}})
        elif kind == "document":
            out.append({"type": "document",
                        "source": {"type": "base64", "media_type": "application/pdf", "data": block["data"]}})
        elif kind == "reasoning":
            if block.get("signature", "").startswith("redacted_thinking:"):
                out.append({"type": "redacted_thinking", "data": block["signature"][len("redacted_thinking:"):]})
            else:
                out.append({"type": "thinking", "thinking": block["text"], "signature": block["signature"]})
        else:
            raise ValueError(f"no LangChain form for {kind}")
    return out


def _lc_content(content):
    return content if isinstance(content, str) else _lc_blocks(content)


def to_langchain_messages(messages):
    result = []
    for message in messages:
        role, content = message["role"], message.get("content", "")
        if role == "system":
            result.append(SystemMessage(_lc_content(content)))
        elif role == "user":
            result.append(HumanMessage(_lc_content(content)))
        elif role == "assistant":
            calls = [{"id": c["id"], "name": c["name"], "args": c["args"]} for c in message.get("tool_calls", [])]
            result.append(AIMessage(content=_lc_content(content), tool_calls=calls))
        elif role == "tool":
            result.append(ToolMessage(_lc_content(content), tool_call_id=message["tool_call_id"],
                                      status="error" if message.get("is_error") else "success"))
        else:
            raise ValueError(role)
    return result


def _lc_tool(spec):
    tool = {"name": spec["name"], "description": spec.get("description", ""), "input_schema": spec["input_schema"]}
    if spec.get("cache_point"):
        tool["cache_control"] = {"type": "ephemeral"}
    return tool


def langchain_body(model, request):
    """Runs the request through ChatBedrock and returns the body it sent."""
    if model.startswith("amazon."):
        reply, kwarg_names = TITAN_REPLY, {"top_p": "topP", "top_k": "topK"}
    else:
        reply, kwarg_names = CLAUDE_REPLY, {"top_p": "top_p", "top_k": "top_k"}
    fake = FakeBedrockRuntime(reply)
    model_kwargs = copy.deepcopy(request.get("model_kwargs", {}))
    for key, name in kwarg_names.items():
        if key in request:
            model_kwargs[name] = request[key]
    options = {"model_id": model, "client": fake, "region_name": "us-east-1"}
    if model_kwargs:
        options["model_kwargs"] = model_kwargs
    if "temperature" in request:
        options["temperature"] = request["temperature"]
    if "max_tokens" in request:
        options["max_tokens"] = request["max_tokens"]
    chat = ChatBedrock(**options)

    runnable = chat
    if "response_schema" in request:
        schema = request["response_schema"]
        json_schema = {"title": schema["name"], **schema["input_schema"]}
        if schema.get("description"):
            json_schema["description"] = schema["description"]
        runnable = chat.with_structured_output(json_schema, include_raw=True)
    elif "tools" in request:
        choice = request.get("tool_choice")
        if isinstance(choice, dict):
            choice = choice["name"]
        runnable = chat.bind_tools([_lc_tool(t) for t in request["tools"]], tool_choice=choice)

    messages = to_langchain_messages(request["messages"])
    stop = request.get("stop") or None
    try:
        if request.get("stream"):
            for _ in runnable.stream(messages, stop=stop):
                pass
        else:
            runnable.invoke(messages, stop=stop)
    except ValueError as error:
        # The empty fake stream ends in "No generation chunks"; the body is already recorded.
        if not fake.bodies:
            raise error
    if len(fake.bodies) != 1:
        raise RuntimeError(f"expected one request, got {len(fake.bodies)}")
    return fake.bodies[0]


# --- Deliberate differences from LangChain (each a small transform of its body) ----------------

def _messages(body):
    return body["messages"]


def fix_titan_stop_key(body):
    config = body["textGenerationConfig"]
    config["stopSequences"] = config.pop("stop_sequences")
    return body


def fix_is_error(body):
    for message in _messages(body):
        if isinstance(message["content"], list):
            for block in message["content"]:
                if block.get("type") == "tool_result" and block.get("tool_use_id") == "toolu_1":
                    block["is_error"] = True
    return body


def fix_merge_hoisted_user(body):
    # LangChain keeps the user turns on either side of a mid-conversation system message apart.
    merged = []
    for message in _messages(body):
        if merged and merged[-1]["role"] == "user" and message["role"] == "user":
            previous = merged[-1]["content"]
            blocks = [{"type": "text", "text": previous}] if isinstance(previous, str) else previous
            current = message["content"]
            blocks += [{"type": "text", "text": current}] if isinstance(current, str) else current
            merged[-1]["content"] = blocks
        else:
            merged.append(message)
    body["messages"] = merged
    return body


def fix_tool_history_as_text(body):
    body["messages"] = [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Let me check."},
            {"type": "text", "text": '[Called get_weather with parameters: {"city":"Paris"}]'},
        ]},
        {"role": "user", "content": [
            {"type": "text", "text": "[Tool output: 18°C, sunny]"},
            {"type": "text", "text": "Summarise the conversation."},
        ]},
    ]
    return body


def fix_tool_choice_none(body):
    body["tool_choice"] = {"type": "none"}
    return body


def fix_empty_tool_result(body):
    for message in _messages(body):
        if isinstance(message["content"], list):
            for block in message["content"]:
                if block.get("type") == "tool_result" and block.get("content") == "":
                    del block["content"]
    return body


def fix_system_anywhere(body):
    body["system"] = [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Answer in French."}]
    return fix_merge_hoisted_user(body)


def hoisted_system_expected(_):
    # LangChain raises "Received multiple non-consecutive system messages".
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "system": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Answer in French."}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "How are you?"}]}],
        "max_tokens": 1024,
    }


# --- Cases -------------------------------------------------------------------------------------

def user(content):
    return {"role": "user", "content": content}


def assistant(content, tool_calls=None):
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def system(content):
    return {"role": "system", "content": content}


def tool(call_id, content, is_error=False):
    message = {"role": "tool", "tool_call_id": call_id, "content": content}
    if is_error:
        message["is_error"] = True
    return message


WEATHER_CALL = [{"id": "toolu_1", "name": "get_weather", "args": {"city": "Paris"}}]

ANTHROPIC_CASES = [
    ("anthropic-system-and-user", "A string system prompt and one user turn; max_tokens defaults to 1024.",
     {"messages": [system("You are a translator."), user("Translate 'hello' into French.")], "temperature": 0}),
    ("anthropic-multi-turn-inference-params", "Temperature, max_tokens, top_p, top_k and stop sequences.",
     {"messages": [user("Hi"), assistant("Hello! How can I help?"), user("Count to three.")],
      "temperature": 0.5, "max_tokens": 200, "top_p": 0.9, "top_k": 40, "stop": ["\n\nHuman:", "END"]}),
    ("anthropic-stream-same-body", "InvokeModelWithResponseStream sends the same body (stop included).",
     {"messages": [user("Count to three.")], "stop": ["3"], "stream": True}),
    ("anthropic-model-kwargs-merged", "model_kwargs start the body; LangChain's own keys are set after.",
     {"messages": [user("Hi")], "model_kwargs": {"anthropic_beta": ["token-efficient-tools-2025-02-19"],
                                                 "max_tokens": 300, "temperature": 0.1}}),
    ("anthropic-prefill-trailing-whitespace", "A final assistant prefill loses its trailing whitespace.",
     {"messages": [user("Write a haiku."), assistant("Here is the haiku:  \n")]}),
    ("anthropic-consecutive-users-merged", "Consecutive user turns merge into one message of text blocks.",
     {"messages": [user("First part."), user("Second part."), assistant("Got both."), user("Good.")]}),
    ("anthropic-consecutive-systems-merged", "Consecutive system messages become a list of system blocks.",
     {"messages": [system("Be brief."), system("Answer in French."), user("Hello")]}),
    ("anthropic-blank-text-blocks-dropped", "Empty and whitespace-only text blocks in block content are dropped.",
     {"messages": [user([{"type": "text", "text": "  "}, {"type": "text", "text": "Hello"},
                         {"type": "text", "text": ""}])]}),
    ("anthropic-tools-auto", "Tools with tool_choice auto; a missing description becomes the tool name.",
     {"messages": [user("What's the weather in Paris?")], "tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": "auto"}),
    ("anthropic-tools-any", "tool_choice any.",
     {"messages": [user("What's the weather in Paris?")], "tools": [WEATHER_TOOL], "tool_choice": "any"}),
    ("anthropic-tools-named", "tool_choice naming one tool.",
     {"messages": [user("What's the weather in Paris?")], "tools": [WEATHER_TOOL, TIME_TOOL],
      "tool_choice": {"name": "get_weather"}}),
    ("anthropic-tools-no-choice", "Tools without a tool_choice send no tool_choice.",
     {"messages": [user("What's the weather in Paris?")], "tools": [WEATHER_TOOL]}),
    ("anthropic-tool-round-trip", "Assistant text + tool_use, then the tool result as a user tool_result.",
     {"messages": [user("What's the weather in Paris?"), assistant("Let me check.", WEATHER_CALL),
                   tool("toolu_1", "18°C, sunny")], "tools": [WEATHER_TOOL]}),
    ("anthropic-parallel-tool-results-then-user", "Consecutive tool results and a user turn merge; results come first.",
     {"messages": [user("Weather and time in Paris?"),
                   assistant("", [{"id": "toolu_1", "name": "get_weather", "args": {"city": "Paris"}},
                                  {"id": "toolu_2", "name": "get_time", "args": {"tz": "Europe/Paris"}}]),
                   tool("toolu_1", "18°C"), tool("toolu_2", "14:05"), user("Also, is it a good day for a walk?")],
      "tools": [WEATHER_TOOL, TIME_TOOL]}),
    ("anthropic-tool-result-blocks", "A tool result with text and an image keeps its blocks.",
     {"messages": [user("Draw the chart."), assistant("", WEATHER_CALL),
                   tool("toolu_1", [{"type": "text", "text": "Chart:"},
                                    {"type": "image", "media_type": "image/png", "data": PNG}])],
      "tools": [WEATHER_TOOL]}),
    ("anthropic-image", "A user image becomes a base64 image source after the text.",
     {"messages": [user([{"type": "text", "text": "What is in this image?"},
                         {"type": "image", "media_type": "image/png", "data": PNG}])]}),
    ("anthropic-document", "A PDF document; like LangChain, documents precede the text of a user turn.",
     {"messages": [user([{"type": "text", "text": "Summarise this document."},
                         {"type": "document", "format": "pdf", "name": "report", "data": PDF}])]}),
    ("anthropic-thinking-round-trip", "Signed reasoning goes back as a thinking block, first in its message.",
     {"messages": [user("What's the weather in Paris?"),
                   assistant([{"type": "reasoning", "text": "I should call the tool.", "signature": "EqQBCgIYAhIM"},
                              {"type": "text", "text": "Checking."}], WEATHER_CALL),
                   tool("toolu_1", "18°C")],
      "tools": [WEATHER_TOOL], "model_kwargs": {"thinking": {"type": "enabled", "budget_tokens": 1024}},
      "max_tokens": 2048, "model": CLAUDE_37}),
    ("anthropic-redacted-thinking-round-trip", "Redacted thinking (a reasoning block whose signature carries the "
     "redacted_thinking: prefix) goes back as a redacted_thinking block.",
     {"messages": [user("Hi"), assistant([{"type": "reasoning", "text": "", "signature": "redacted_thinking:EmwKAhgBEgy3"},
                                          {"type": "text", "text": "Hello."}]), user("Bye")]}),
    ("anthropic-cache-points", "Cache points mark the block before them with cache_control ephemeral, in the "
     "system prompt, a user turn and the tools.",
     {"messages": [system([{"type": "text", "text": "You answer questions about the attached manual."},
                           {"type": "cache_point"}]),
                   user([{"type": "text", "text": "Long manual text..."}, {"type": "cache_point"},
                         {"type": "text", "text": "What does chapter 2 say?"}])],
      "tools": [dict(WEATHER_TOOL, cache_point=True)]}),
    ("anthropic-structured-output", "response_schema is a forced tool call, as with_structured_output does.",
     {"messages": [user("Which weighs more, a pound of bricks or a pound of feathers?")],
      "response_schema": ANSWER_SCHEMA}),
    ("anthropic-structured-output-thinking", "With thinking enabled on Claude Sonnet 4, structured output is not "
     "forced (LangChain leaves tool_choice out).",
     {"messages": [user("Which weighs more?")], "response_schema": ANSWER_SCHEMA, "max_tokens": 4000,
      "model_kwargs": {"thinking": {"type": "enabled", "budget_tokens": 1024}}, "model": CLAUDE_SONNET_4}),
]

# (id, description, request, deviation, transform)
ANTHROPIC_DEVIATIONS = [
    ("anthropic-tool-result-is-error", "A failed tool result carries is_error.",
     {"messages": [user("What's the weather in Paris?"), assistant("", WEATHER_CALL),
                   tool("toolu_1", "city not found", is_error=True)], "tools": [WEATHER_TOOL]},
     "LangChain drops ToolMessage status='error'; Anthropic's tool_result has is_error for it.", fix_is_error),
    ("anthropic-empty-tool-result", "An empty tool result omits content.",
     {"messages": [user("Ping the server."), assistant("", WEATHER_CALL), tool("toolu_1", "")],
      "tools": [WEATHER_TOOL]},
     "LangChain sends content \"\"; Anthropic's tool_result content is optional, so an empty result omits it "
     "rather than send an empty text.", fix_empty_tool_result),
    ("anthropic-tool-history-without-tools", "tool_use/tool_result history with no tools becomes text.",
     {"messages": [user("What's the weather in Paris?"), assistant("Let me check.", WEATHER_CALL),
                   tool("toolu_1", "18°C, sunny"), user("Summarise the conversation.")]},
     "LangChain sends the tool blocks without tools, which Bedrock refuses ('Requests which include tool_use or "
     "tool_result blocks must define tools'); like langchain-aws's Converse path, they are sent as text.",
     fix_tool_history_as_text),
    ("anthropic-tool-choice-none", "tool_choice none is Anthropic's {\"type\": \"none\"}.",
     {"messages": [user("Just chat.")], "tools": [WEATHER_TOOL], "tool_choice": "none"},
     "LangChain turns 'none' into a forced call of a tool named 'none'.", fix_tool_choice_none),
    ("anthropic-system-mid-conversation", "A system message after a user turn is hoisted; the user turns around it "
     "merge.",
     {"messages": [user("Hello"), system("Be brief."), user("How are you?")]},
     "LangChain hoists the system text but leaves two consecutive user messages.", fix_merge_hoisted_user),
]

# (id, description, request, deviation, hand-written body) where LangChain raises.
ANTHROPIC_RAISES = [
    ("anthropic-system-messages-non-consecutive", "System messages anywhere are hoisted into system blocks.",
     {"messages": [system("Be brief."), user("Hello"), system("Answer in French."), user("How are you?")]},
     "LangChain raises 'Received multiple non-consecutive system messages'.", hoisted_system_expected),
]

TITAN_CASES = [
    ("titan-conversation", "Titan's User:/Bot: prompt with the system text first.",
     {"messages": [system("You are terse."), user("Hi"), assistant("Hello."), user("Name a colour.")],
      "temperature": 0.2, "max_tokens": 100}),
    ("titan-final-bot-turn", "A final assistant message is continued, not followed by a new Bot: tag.",
     {"messages": [user("Complete the list: red, green,"), assistant("blue,  ")]}),
    ("titan-model-kwargs-top-p", "model_kwargs and top_p go inside textGenerationConfig.",
     {"messages": [user("Hi")], "top_p": 0.8, "model_kwargs": {"maxTokenCount": 50}}),
    ("titan-stream-stop", "Streaming sends stop sequences as stopSequences (LangChain does so when streaming).",
     {"messages": [user("Count to ten.")], "stop": ["User:"], "stream": True}),
]

TITAN_DEVIATIONS = [
    ("titan-stop-sequences", "Stop sequences are textGenerationConfig.stopSequences.",
     {"messages": [user("Count to ten.")], "stop": ["User:"]},
     "LangChain's non-streaming path puts them under 'stop_sequences', which Titan refuses.", fix_titan_stop_key),
]

NOVA_CASES = [
    ("nova-system-and-user", "System blocks, a user turn, inferenceConfig.",
     {"messages": [system("You are a translator."), user("Translate 'hello' into French.")],
      "temperature": 0.3, "max_tokens": 300, "top_p": 0.9, "top_k": 20, "stop": ["END"]},
     {"schemaVersion": "messages-v1",
      "system": [{"text": "You are a translator."}],
      "messages": [{"role": "user", "content": [{"text": "Translate 'hello' into French."}]}],
      "inferenceConfig": {"maxTokens": 300, "temperature": 0.3, "topP": 0.9, "topK": 20, "stopSequences": ["END"]}}),
    ("nova-minimal", "No parameters: no inferenceConfig.",
     {"messages": [user("Hi")]},
     {"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": "Hi"}]}]}),
    ("nova-tool-round-trip", "toolConfig with toolSpec/inputSchema.json, toolUse and toolResult blocks.",
     {"messages": [user("What's the weather in Paris?"), assistant("Let me check.", WEATHER_CALL),
                   tool("toolu_1", "18°C, sunny"), user("Thanks, and tomorrow?")],
      "tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": "auto"},
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
                        "inputSchema": {"json": WEATHER_TOOL["input_schema"]}}},
          {"toolSpec": {"name": "get_time", "inputSchema": {"json": TIME_TOOL["input_schema"]}}}],
          "toolChoice": {"auto": {}}}}),
    ("nova-tool-error-and-any", "A failed tool result has status error; tool_choice any.",
     {"messages": [user("Weather?"), assistant("", WEATHER_CALL), tool("toolu_1", "no such city", is_error=True)],
      "tools": [WEATHER_TOOL], "tool_choice": "any"},
     {"schemaVersion": "messages-v1",
      "messages": [
          {"role": "user", "content": [{"text": "Weather?"}]},
          {"role": "assistant", "content": [{"toolUse": {"toolUseId": "toolu_1", "name": "get_weather",
                                                         "input": {"city": "Paris"}}}]},
          {"role": "user", "content": [{"toolResult": {"toolUseId": "toolu_1", "content": [{"text": "no such city"}],
                                                       "status": "error"}}]}],
      "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "Current weather for a city",
                                             "inputSchema": {"json": WEATHER_TOOL["input_schema"]}}}],
                     "toolChoice": {"any": {}}}}),
    ("nova-structured-output", "response_schema forces its tool.",
     {"messages": [user("Which weighs more?")], "response_schema": ANSWER_SCHEMA},
     {"schemaVersion": "messages-v1",
      "messages": [{"role": "user", "content": [{"text": "Which weighs more?"}]}],
      "toolConfig": {"tools": [{"toolSpec": {"name": "Answer", "description": "An answer with a justification",
                                             "inputSchema": {"json": ANSWER_SCHEMA["input_schema"]}}}],
                     "toolChoice": {"tool": {"name": "Answer"}}}}),
    ("nova-image-document-cache", "Image and document bytes as base64; cache points in system and messages; "
     "consecutive user turns merge.",
     {"messages": [system([{"type": "text", "text": "You read documents."}, {"type": "cache_point"}]),
                   user([{"type": "document", "format": "pdf", "name": "report", "data": PDF}, {"type": "cache_point"}]),
                   user([{"type": "text", "text": "And this picture?"},
                         {"type": "image", "media_type": "image/jpeg", "data": PNG}])]},
     {"schemaVersion": "messages-v1",
      "system": [{"text": "You read documents."}, {"cachePoint": {"type": "default"}}],
      "messages": [{"role": "user", "content": [
          {"document": {"format": "pdf", "name": "report", "source": {"bytes": PDF}}},
          {"cachePoint": {"type": "default"}},
          {"text": "And this picture?"},
          {"image": {"format": "jpeg", "source": {"bytes": PNG}}}]}]}),
    ("nova-tool-history-without-tools", "tool history with no tools is sent as text (Nova, like Converse, "
     "refuses toolUse/toolResult blocks without toolConfig); reasoning is not sent back.",
     {"messages": [user("Weather?"),
                   assistant([{"type": "reasoning", "text": "call the tool", "signature": "sig"}], WEATHER_CALL),
                   tool("toolu_1", "18°C"), user("Summarise.")],
      "model_kwargs": {"inferenceConfig": {"topK": 5}, "reasoningConfig": {"type": "disabled"}}, "max_tokens": 100},
     {"schemaVersion": "messages-v1",
      "messages": [
          {"role": "user", "content": [{"text": "Weather?"}]},
          {"role": "assistant", "content": [{"text": '[Called get_weather with parameters: {"city":"Paris"}]'}]},
          {"role": "user", "content": [{"text": "[Tool output: 18°C]"}, {"text": "Summarise."}]}],
      "inferenceConfig": {"topK": 5, "maxTokens": 100},
      "reasoningConfig": {"type": "disabled"}}),
]


def build_cases():
    cases = []

    def add(case_id, description, request, model, expected, source, deviation=None, lc_body=None):
        request = copy.deepcopy(request)
        request.setdefault("model", model)
        case = {"id": case_id, "description": description, "model": request["model"], "source": source,
                "request": request, "expected_body": expected}
        if deviation:
            case["deviation"] = deviation
            case["langchain_body"] = lc_body
        cases.append(case)

    for case_id, description, request in ANTHROPIC_CASES:
        model = request.get("model", CLAUDE_35)
        add(case_id, description, request, model, langchain_body(model, request), "langchain")
    for case_id, description, request, deviation, transform in ANTHROPIC_DEVIATIONS:
        model = request.get("model", CLAUDE_35)
        body = langchain_body(model, request)
        add(case_id, description, request, model, transform(copy.deepcopy(body)), "langchain+deviation",
            deviation, body)
    for case_id, description, request, deviation, expected in ANTHROPIC_RAISES:
        model = request.get("model", CLAUDE_35)
        try:
            langchain_body(model, request)
        except ValueError:
            pass
        else:
            raise RuntimeError(f"{case_id}: LangChain was expected to raise")
        add(case_id, description, request, model, expected(None), "langchain+deviation", deviation, None)
    for case_id, description, request in TITAN_CASES:
        add(case_id, description, request, TITAN, langchain_body(TITAN, request), "langchain")
    for case_id, description, request, deviation, transform in TITAN_DEVIATIONS:
        body = langchain_body(TITAN, request)
        add(case_id, description, request, TITAN, transform(copy.deepcopy(body)), "langchain+deviation",
            deviation, body)
    for case_id, description, request, expected in NOVA_CASES:
        add(case_id, description, request, NOVA, expected, "aws-docs")
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    document = {
        "generator": "tools/vectors/gen_claude_titan_nova_vectors.py",
        "langchain_aws_version": metadata.version("langchain-aws"),
        "cases": build_cases(),
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    print(f"wrote {len(document['cases'])} cases to {args.out}")


if __name__ == "__main__":
    main()
