"""OpenAI-style chat messages, shared by the OpenAI, AI21 Jamba and Mistral chat formats.

Requests carry ``messages`` (roles system/developer, user, assistant, tool), ``tools`` as
``{"type": "function", "function": {"name", "parameters"}}`` and ``tool_choice``.
"""

from collections.abc import Iterator

from ..conversation import ANY, AUTO, NONE, TOOL, Conversation, ToolChoice, ToolSpec
from ..planner import Plan
from .base import (Context, Format, each_message, expect, malformed, optional, optional_count,
                   required, stop_reasons, string_list, type_name)

_ROLES = ("system", "developer", "user", "assistant", "tool")
_TOOL_CHOICES = {"auto": AUTO, "none": NONE, "required": ANY, "any": ANY}


def read(body: dict) -> Conversation:
    """The conversation in an OpenAI-style request body."""
    conv = Conversation()
    dialogue = []
    for path, message, role in each_message(body, _ROLES):
        texts = content_texts(message.get("content"), f"{path}/content")
        for text in texts:
            conv.add_text(text)
        if role not in ("system", "developer"):
            dialogue.append((role, texts))
    conv.turns = len(dialogue)
    users = [texts for role, texts in dialogue if role == "user"]
    conv.last_user_text = " ".join(users[-1]) if users else ""
    tail = []
    for role, texts in reversed(dialogue):
        if role == "assistant":
            break
        if role == "tool":
            tail[:0] = [" ".join(texts)]
    conv.tool_results = tail
    conv.tools = read_tools(body)
    conv.tool_choice = read_tool_choice(body)
    return conv


class ChatFormat(Format):
    """An OpenAI-style chat format: OpenAI's finish reasons, and (for Jamba and Mistral chat)
    a body read with ``max_tokens`` and ``stop``."""

    stop_reasons = stop_reasons("stop", "length", "tool_calls")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        conv = read(body)
        conv.max_tokens = optional_count(body, "max_tokens")
        conv.stop_sequences = string_list(body, "stop")
        return conv


def content_texts(content, path: str) -> list[str]:
    """Text of a message's content: a string or a list of ``{"type": "text"}`` parts."""
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    expect(content, list, path, "String or JSONArray")
    texts = []
    for index, part in enumerate(content):
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif not isinstance(part, dict):
            raise malformed(f"#/{path}/{index}: expected type: JSONObject, "
                            f"found: {type_name(part)}")
    return texts


def read_tools(body: dict) -> list[ToolSpec]:
    tools = optional(body, "tools", list, "JSONArray", default=[])
    specs = []
    for index, tool in enumerate(tools):
        path = f"tools/{index}"
        expect(tool, dict, path, "JSONObject")
        function = required(tool, "function", dict, "JSONObject", path)
        name = required(function, "name", str, "String", f"{path}/function")
        schema = optional(function, "parameters", dict, "JSONObject", f"{path}/function",
                          default={})
        specs.append(ToolSpec(name, schema))
    return specs


def read_tool_choice(body: dict) -> ToolChoice:
    choice = body.get("tool_choice")
    if choice is None:
        return ToolChoice()
    if isinstance(choice, str):
        if choice not in _TOOL_CHOICES:
            raise malformed(f"#/tool_choice: {choice} is not a valid enum value")
        return ToolChoice(_TOOL_CHOICES[choice])
    expect(choice, dict, "tool_choice", "String or JSONObject")
    function = choice.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str):
        raise malformed("#/tool_choice/function: required key [name] not found")
    return ToolChoice(TOOL, name)


def tool_calls(plan: Plan, *, with_type: bool = True) -> list[dict]:
    """The ``tool_calls`` of an assistant message carrying the plan's tool call."""
    call = plan.tool_call
    entry = {"id": call.id, "type": "function",
             "function": {"name": call.name, "arguments": call.arguments}}
    if not with_type:
        del entry["type"]
    return [entry]


def tool_call_deltas(plan: Plan) -> list[dict]:
    """Streamed ``delta.tool_calls`` pieces: id and name first, then argument fragments."""
    call = plan.tool_call
    first = {"index": 0, "id": call.id, "type": "function",
             "function": {"name": call.name, "arguments": ""}}
    return [first] + [{"index": 0, "function": {"arguments": fragment}}
                      for fragment in call.fragments]


def delta_stream(header: dict, pieces, plan: Plan, finish_reason: str) -> Iterator[dict]:
    """Chat-completion chunks, each ``header`` plus ``choices[0].delta``: the assistant's
    role, each text piece, the tool call's deltas, then the finish reason with the usage."""
    yield _delta_chunk(header, {"role": "assistant", "content": ""})
    for piece in pieces:
        yield _delta_chunk(header, {"content": piece})
    if plan.tool_call is not None:
        for delta in tool_call_deltas(plan):
            yield _delta_chunk(header, {"tool_calls": [delta]})
    yield {**_delta_chunk(header, {}, finish_reason), "usage": usage(plan)}


def _delta_chunk(header: dict, delta: dict, finish_reason=None) -> dict:
    return {**header, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def usage(plan: Plan) -> dict:
    prompt = plan.usage.input_tokens + plan.usage.cache_read + plan.usage.cache_write
    return {"prompt_tokens": prompt, "completion_tokens": plan.usage.output_tokens,
            "total_tokens": prompt + plan.usage.output_tokens}
