"""Cohere Command (text generation) and Command R / R+ (chat).

Command request: ``{"prompt", "max_tokens", "stop_sequences", "stream", "temperature",
"p", "k", "num_generations", ...}``; response ``{"id", "generations": [{"id", "text",
"finish_reason"}], "prompt"}`` (``COMPLETE`` or ``MAX_TOKENS``). With ``"stream": true``
the stream is ``{"text", "is_finished": false}`` chunks, then ``{"is_finished": true,
"finish_reason", "response"}``; without it, one chunk holding the whole response.

Command R request: ``{"message", "chat_history": [{"role": "USER"|"CHATBOT"|"SYSTEM",
"message"}], "preamble", "tools": [{"name", "parameter_definitions"}], "tool_results":
[{"call", "outputs"}], "max_tokens", "stop_sequences", ...}``; response ``{"response_id",
"text", "generation_id", "chat_history", "finish_reason", "tool_calls"?, "meta"}``.
Stream events (``event_type``): stream-start, text-generation, tool-calls-chunk,
tool-calls-generation, stream-end (carrying the whole response).
"""

import json

from ..conversation import Conversation, ToolSpec
from ..planner import Plan, short_hash
from .base import (Context, Format, expect, malformed, optional, optional_count, required,
                   stop_reasons, string_list)

# Cohere's parameter types -> JSON Schema types.
_PARAMETER_TYPES = {"str": "string", "string": "string", "int": "integer",
                    "integer": "integer", "float": "number", "number": "number",
                    "bool": "boolean", "boolean": "boolean", "list": "array",
                    "array": "array", "dict": "object", "object": "object"}
_ROLES = ("USER", "CHATBOT", "SYSTEM", "TOOL")


class CohereCommand(Format):
    name = "cohere"
    stop_reasons = stop_reasons("COMPLETE", "MAX_TOKENS")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        prompt = required(body, "prompt", str, "String")
        conv = Conversation(last_user_text=prompt.strip(), turns=1)
        conv.add_text(prompt)
        conv.max_tokens = optional_count(body, "max_tokens")
        conv.stop_sequences = string_list(body, "stop_sequences")
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        return {"id": _uuid(plan, "id"),
                "generations": [{"id": _uuid(plan, "generation"), "text": plan.text,
                                 "finish_reason": self.stop_reason(plan)}],
                "prompt": ctx.body["prompt"]}

    def stream(self, plan: Plan, ctx: Context):
        if ctx.body.get("stream") is not True:
            # Without "stream": true, Bedrock sends the whole response as one chunk.
            yield self.response(plan, ctx)
            return
        for token in plan.tokens:
            yield {"text": token, "is_finished": False}
        yield {"is_finished": True, "finish_reason": self.stop_reason(plan),
               "response": self.response(plan, ctx)}


class CohereCommandR(Format):
    name = "cohere-chat"
    stop_reasons = stop_reasons("COMPLETE", "MAX_TOKENS")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        message = required(body, "message", str, "String")
        conv = Conversation()
        conv.add_text(optional(body, "preamble", str, "String", default=""))
        history = optional(body, "chat_history", list, "JSONArray", default=[])
        for index, turn in enumerate(history):
            expect(turn, dict, f"chat_history/{index}", "JSONObject")
            role = required(turn, "role", str, "String", f"chat_history/{index}")
            if role.upper() not in _ROLES:
                raise malformed(f"#/chat_history/{index}/role: {role} is not a valid enum value")
            conv.add_text(optional(turn, "message", str, "String", f"chat_history/{index}",
                                   default=""))
        results = optional(body, "tool_results", list, "JSONArray", default=[])
        conv.tool_results = [_outputs_text(result) for result in results
                             if isinstance(result, dict)]
        for text in conv.tool_results:
            conv.add_text(text)
        conv.add_text(message)
        conv.last_user_text = message
        conv.turns = len(history) + 1
        for index, tool in enumerate(optional(body, "tools", list, "JSONArray", default=[])):
            expect(tool, dict, f"tools/{index}", "JSONObject")
            name = required(tool, "name", str, "String", f"tools/{index}")
            conv.tools.append(ToolSpec(name, _schema(tool.get("parameter_definitions"))))
        conv.max_tokens = optional_count(body, "max_tokens")
        conv.stop_sequences = string_list(body, "stop_sequences")
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        reply = {"role": "CHATBOT", "message": plan.text}
        history = [*(ctx.body.get("chat_history") or []),
                   {"role": "USER", "message": ctx.body["message"]}, reply]
        body = {"response_id": _uuid(plan, "response"), "text": plan.text,
                "generation_id": _uuid(plan, "generation"), "chat_history": history,
                "finish_reason": self.stop_reason(plan)}
        if plan.tool_call is not None:
            calls = _tool_calls(plan)
            body["tool_calls"] = reply["tool_calls"] = calls
        body["meta"] = {"api_version": {"version": "1"},
                        "billed_units": {"input_tokens": plan.usage.input_tokens,
                                         "output_tokens": plan.usage.output_tokens},
                        "tokens": {"input_tokens": plan.usage.input_tokens,
                                   "output_tokens": plan.usage.output_tokens}}
        return body

    def stream(self, plan: Plan, ctx: Context):
        yield _event("stream-start", generation_id=_uuid(plan, "generation"))
        for token in plan.tokens:
            yield _event("text-generation", text=token)
        if plan.tool_call is not None:
            call = plan.tool_call
            yield _event("tool-calls-chunk", tool_call_delta={"index": 0, "name": call.name})
            for fragment in call.fragments:
                yield _event("tool-calls-chunk",
                             tool_call_delta={"index": 0, "parameters": fragment})
            yield _event("tool-calls-generation", text="", tool_calls=_tool_calls(plan))
        yield {"is_finished": True, "event_type": "stream-end",
               "finish_reason": self.stop_reason(plan), "response": self.response(plan, ctx)}


def _event(event_type: str, **fields) -> dict:
    return {"is_finished": False, "event_type": event_type, **fields}


def _uuid(plan: Plan, purpose: str) -> str:
    """A deterministic UUID-shaped id for the reply."""
    digest = short_hash(plan.key, purpose) + short_hash(purpose, plan.key)
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _tool_calls(plan: Plan) -> list[dict]:
    return [{"name": plan.tool_call.name, "parameters": plan.tool_call.input}]


def _outputs_text(result: dict) -> str:
    """A tool result's outputs as text: their ``text`` or ``output`` string fields (the latter
    is how LangChain's Cohere integration wraps plain results), else the outputs as JSON."""
    texts = []
    for output in result.get("outputs") or []:
        field = next((key for key in ("text", "output") if isinstance(output, dict)
                      and isinstance(output.get(key), str)), None)
        if field:
            texts.append(output[field])
        else:
            texts.append(json.dumps(output, separators=(",", ":"), sort_keys=True))
    return " ".join(texts)


def _schema(definitions) -> dict:
    """A JSON Schema for Cohere's ``parameter_definitions``."""
    properties, required_names = {}, []
    for name, definition in (definitions or {}).items() if isinstance(definitions, dict) else ():
        definition = definition if isinstance(definition, dict) else {}
        kind = str(definition.get("type", "str")).lower()
        base = kind.split("[", 1)[0]  # e.g. List[str]
        properties[name] = {"type": _PARAMETER_TYPES.get(base, "string")}
        if definition.get("required"):
            required_names.append(name)
    return {"type": "object", "properties": properties, "required": required_names}
