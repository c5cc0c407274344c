"""Runs one conversation through LangChain (langchain-aws) and through our chat API, both
against the emulator, and returns what each sent and what each parsed, for comparison.

Conversations are written once, in our chat request form; `to_langchain` turns them into
LangChain messages and model settings."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bedrock_testlib import emulator_aws_settings, langchain_reply
from emulator.app import encode_event
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage


@dataclass
class Outcome:
    body: dict            # the request body the emulator received
    operation: str        # Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream
    content: str
    tool_calls: list      # [(name, args, id)]
    input_tokens: int     # LangChain's sense: all input, cached or not
    output_tokens: int
    stop_reason: str | None


def recorded(emulator_url: str) -> list[dict]:
    with urllib.request.urlopen(emulator_url + "/_emulator/requests") as response:
        return json.load(response)["requests"]


def clear_recorded(emulator_url: str) -> None:
    request = urllib.request.Request(emulator_url + "/_emulator/requests", method="DELETE")
    urllib.request.urlopen(request).close()


def clear_cache(emulator_url: str) -> None:
    """Forgets cached prompt prefixes, so two runs of one conversation report the same usage."""
    request = urllib.request.Request(emulator_url + "/_emulator/cache", method="DELETE")
    urllib.request.urlopen(request).close()


def _last_request(emulator_url: str) -> dict:
    requests = recorded(emulator_url)
    assert requests, "the emulator recorded no request"
    return requests[-1]


def to_langchain_messages(messages: list) -> list:
    converted = []
    for message in messages:
        if isinstance(message, list):
            role, content = message
            message = {"role": role, "content": content}
        role, content = message["role"], message.get("content", "")
        if isinstance(content, list):
            content = [_to_langchain_block(block) for block in content]
        if role == "system":
            converted.append(SystemMessage(content=content))
        elif role in ("human", "user"):
            converted.append(HumanMessage(content=content))
        elif role in ("ai", "assistant"):
            calls = [{"id": c["id"], "name": c["name"], "args": c["args"], "type": "tool_call"}
                     for c in message.get("tool_calls", [])]
            converted.append(AIMessage(content=content, tool_calls=calls))
        elif role == "tool":
            converted.append(ToolMessage(content=content, tool_call_id=message["tool_call_id"]))
    return converted


def _to_langchain_block(block: dict) -> dict:
    """Our content blocks as LangChain's standard blocks."""
    kind = block.get("type")
    if kind == "image":
        return {"type": "image", "source_type": "base64", "mime_type": block["media_type"], "data": block["data"]}
    if kind == "document":
        return {"type": "file", "source_type": "base64", "mime_type": f"application/{block['format']}",
                "data": block["data"], "filename": block["name"]}
    if kind == "cache_point":
        return {"cachePoint": {"type": "default"}}
    return block


def langchain_model(cls, request: dict, emulator_url: str, **extra):
    settings = {**emulator_aws_settings(emulator_url), **extra}
    if "temperature" in request:
        settings["temperature"] = request["temperature"]
    if "max_tokens" in request:
        settings["max_tokens"] = request["max_tokens"]
    if "stop" in request:
        settings["stop_sequences" if cls.__name__ == "ChatBedrockConverse" else "stop"] = request["stop"]
    if "model_kwargs" in request:
        settings["model_kwargs" if cls.__name__ == "ChatBedrock" else "additional_model_request_fields"] = \
            request["model_kwargs"]
    if "guardrail" in request and cls.__name__ == "ChatBedrockConverse":
        guardrail = request["guardrail"]
        settings["guardrail_config"] = {"guardrailIdentifier": guardrail["id"], "guardrailVersion": guardrail["version"],
                                        **({"trace": guardrail["trace"]} if "trace" in guardrail else {})}
    model_key = "model_id" if cls.__name__ == "ChatBedrock" else "model"
    model = cls(**{model_key: request["model"]}, **settings)
    if request.get("tools"):
        kwargs = {"tool_choice": request["tool_choice"]} if "tool_choice" in request else {}
        model = model.bind_tools(request["tools"], **kwargs)
    return model


def run_langchain(cls, request: dict, emulator_url: str, stream: bool, call: dict | None = None,
                  **extra) -> Outcome:
    """``extra`` goes to the model's constructor, ``call`` to each call (through ``bind``)."""
    model = langchain_model(cls, request, emulator_url, **extra)
    if call:
        model = model.bind(**call)
    messages = to_langchain_messages(request["messages"])
    clear_recorded(emulator_url)
    message = langchain_reply(model, messages, stream)
    entry = _last_request(emulator_url)
    usage = message.usage_metadata or {}
    metadata = message.response_metadata
    text = message.text if isinstance(message.text, str) else message.text()
    return Outcome(body=entry["body"], operation=entry["operation"], content=text,
                   tool_calls=[(c["name"], c["args"], c["id"]) for c in message.tool_calls],
                   input_tokens=usage.get("input_tokens", 0), output_tokens=usage.get("output_tokens", 0),
                   stop_reason=metadata.get("stopReason") or metadata.get("stop_reason"))


def run_ours(client, request: dict, emulator_url: str, stream: bool) -> Outcome:
    clear_recorded(emulator_url)
    if stream:
        events = list(client.chat_stream(request))
        response = events[-1]["message"]
        assert "".join(e["text"] for e in events if e["type"] == "text") == response["content"]
    else:
        response = client.chat(request)
    entry = _last_request(emulator_url)
    usage = response["usage"]
    # We report input tokens as Bedrock does, apart from cache reads and writes; LangChain
    # folds those into input_tokens. The totals are the same.
    all_input = usage["input_tokens"] + usage["cache_read_input_tokens"] + usage["cache_write_input_tokens"]
    return Outcome(body=entry["body"], operation=entry["operation"], content=response["content"],
                   tool_calls=[(c["name"], c["args"], c["id"]) for c in response["tool_calls"]],
                   input_tokens=all_input, output_tokens=usage["output_tokens"],
                   stop_reason=response["provider_stop_reason"])


@contextmanager
def canned_converse(reply: dict, events: list[tuple[str, dict]], received: list | None = None) -> Iterator[str]:
    """A local Bedrock endpoint (its URL) that answers every Converse call with ``reply`` and
    every ConverseStream call with ``events``: for reply members the emulator does not send.
    Each request's body is appended to ``received``, when given."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if received is not None:
                received.append(json.loads(request))
            if self.path.endswith("/converse-stream"):
                body = b"".join(encode_event(kind, payload) for kind, payload in events)
                content_type = "application/vnd.amazon.eventstream"
            else:
                body, content_type = json.dumps(reply).encode(), "application/json"
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "canned-request")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
