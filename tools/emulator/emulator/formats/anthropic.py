"""Anthropic Claude Messages API (``anthropic_version: bedrock-2023-05-31``).

Request: ``messages`` (content a string or blocks: text, image, document, tool_use,
tool_result, thinking), ``system`` (string or text blocks), ``max_tokens``,
``stop_sequences``, ``tools`` (``name``, ``input_schema``), ``tool_choice``
(``{"type": "auto"|"any"|"tool"|"none"}``), ``thinking`` (``{"type": "enabled"}``);
``cache_control`` on a block ends the cached prefix.
Response: ``{"id", "type": "message", "role", "model", "content", "stop_reason",
"stop_sequence", "usage"}``. Stream: message_start, content_block_start/delta/stop,
message_delta, message_stop.
"""

from ..conversation import ANY, AUTO, NONE, TOOL, Conversation, ToolChoice, ToolSpec
from ..planner import Plan
from .base import (Context, Format, expect, malformed, optional, optional_count, required,
                   user_assistant_messages,
                   stop_reasons, string_list)

_TOOL_CHOICES = {"auto": AUTO, "any": ANY, "tool": TOOL, "none": NONE}


class Anthropic(Format):
    name = "anthropic"
    # Bedrock keeps end_turn when a guardrail blocks an InvokeModel request, and flags the
    # body with amazon-bedrock-guardrailAction instead.
    stop_reasons = stop_reasons("end_turn", "max_tokens", "tool_use", "stop_sequence")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        required(body, "anthropic_version", str, "String")
        conv = Conversation()
        conv.max_tokens = optional_count(body, "max_tokens")
        if conv.max_tokens is None:
            raise malformed("#: required key [max_tokens] not found")
        conv.stop_sequences = string_list(body, "stop_sequences")
        for index, tool in enumerate(optional(body, "tools", list, "JSONArray", default=[])):
            expect(tool, dict, f"tools/{index}", "JSONObject")
            name = required(tool, "name", str, "String", f"tools/{index}")
            conv.tools.append(ToolSpec(name, tool.get("input_schema") or {}))
            if tool.get("cache_control"):
                conv.mark_cache()
        conv.tool_choice = _tool_choice(body.get("tool_choice"))
        thinking = body.get("thinking")
        conv.reasoning = isinstance(thinking, dict) and thinking.get("type") in (
            "enabled", "adaptive")
        system = body.get("system")
        if isinstance(system, str):
            conv.add_text(system)
        elif system is not None:
            _read_blocks(conv, expect(system, list, "system", "String or JSONArray"), "system")
        messages = user_assistant_messages(body, (str, list), "String or JSONArray")
        for index, message in enumerate(messages):
            path = f"messages/{index}"
            content = message["content"]
            if isinstance(content, str):
                conv.add_text(content)
            else:
                _read_blocks(conv, content, f"{path}/content")
        conv.turns = len(messages)
        users = [m["content"] for m in messages if m["role"] == "user"]
        if users:
            last = users[-1]
            if isinstance(last, str):
                conv.last_user_text = last
            else:
                conv.last_user_text = " ".join(b["text"] for b in last if _is_text(b))
                conv.tool_results = [_tool_result_text(b) for b in last
                                     if isinstance(b, dict) and b.get("type") == "tool_result"]
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        return {**self._message(plan, ctx), "content": _content(plan),
                "stop_reason": self.stop_reason(plan), "stop_sequence": plan.stop_sequence,
                "usage": _usage(plan, plan.usage.output_tokens)}

    def stream(self, plan: Plan, ctx: Context):
        start = {**self._message(plan, ctx), "content": [], "stop_reason": None,
                 "stop_sequence": None, "usage": _usage(plan, 1)}
        yield {"type": "message_start", "message": start}
        index = 0
        if plan.reasoning is not None:
            yield _block_start(index, {"type": "thinking", "thinking": "", "signature": ""})
            for token in plan.reasoning_tokens:
                yield _delta(index, {"type": "thinking_delta", "thinking": token})
            yield _delta(index, {"type": "signature_delta", "signature": plan.signature})
            yield {"type": "content_block_stop", "index": index}
            index += 1
        if plan.tool_call is not None:
            call = plan.tool_call
            yield _block_start(index, {"type": "tool_use", "id": call.id, "name": call.name,
                                       "input": {}})
            for fragment in call.fragments:
                yield _delta(index, {"type": "input_json_delta", "partial_json": fragment})
        else:
            yield _block_start(index, {"type": "text", "text": ""})
            for token in plan.tokens:
                yield _delta(index, {"type": "text_delta", "text": token})
        yield {"type": "content_block_stop", "index": index}
        delta = {"stop_reason": self.stop_reason(plan), "stop_sequence": plan.stop_sequence}
        yield {"type": "message_delta", "delta": delta,
               "usage": {"output_tokens": plan.usage.output_tokens}}
        yield {"type": "message_stop"}

    @staticmethod
    def _message(plan: Plan, ctx: Context) -> dict:
        return {"id": "msg_bdrk_" + plan.key, "type": "message", "role": "assistant",
                "model": ctx.model_name}


def _read_blocks(conv: Conversation, blocks: list, path: str) -> None:
    for index, block in enumerate(blocks):
        expect(block, dict, f"{path}/{index}", "JSONObject")
        kind = block.get("type")
        if kind == "text":
            conv.add_text(required(block, "text", str, "String", f"{path}/{index}"))
        elif kind == "tool_result":
            conv.add_text(_tool_result_text(block))
        if block.get("cache_control"):
            conv.mark_cache()


def _is_text(block) -> bool:
    return isinstance(block, dict) and block.get("type") == "text" and isinstance(
        block.get("text"), str)


def _tool_result_text(block: dict) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    return " ".join(b["text"] for b in content or [] if _is_text(b))


def _tool_choice(choice) -> ToolChoice:
    if choice is None:
        return ToolChoice()
    expect(choice, dict, "tool_choice", "JSONObject")
    mode = _TOOL_CHOICES.get(choice.get("type"))
    if mode is None:
        raise malformed(f"#/tool_choice/type: {choice.get('type')} is not a valid enum value")
    if mode == TOOL:
        return ToolChoice(TOOL, required(choice, "name", str, "String", "tool_choice"))
    return ToolChoice(mode)


def _content(plan: Plan) -> list[dict]:
    content = []
    if plan.reasoning is not None:
        content.append({"type": "thinking", "thinking": plan.reasoning,
                        "signature": plan.signature})
    if plan.tool_call is not None:
        call = plan.tool_call
        content.append({"type": "tool_use", "id": call.id, "name": call.name,
                        "input": call.input})
    else:
        content.append({"type": "text", "text": plan.text})
    return content


def _usage(plan: Plan, output_tokens: int) -> dict:
    return {"input_tokens": plan.usage.input_tokens,
            "cache_creation_input_tokens": plan.usage.cache_write,
            "cache_read_input_tokens": plan.usage.cache_read,
            "output_tokens": output_tokens}


def _block_start(index: int, block: dict) -> dict:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, delta: dict) -> dict:
    return {"type": "content_block_delta", "index": index, "delta": delta}
