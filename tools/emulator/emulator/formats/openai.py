"""OpenAI gpt-oss (and other chat-completions models: Qwen, DeepSeek V3).

Request: OpenAI Create chat completion: ``{"messages", "max_completion_tokens" (or
"max_tokens"), "temperature", "top_p", "stop", "tools", "tool_choice",
"reasoning_effort", "model"?, "stream"?}``; ``stream``, if given, must match the
operation. Response: a ``chat.completion`` object; ``choices[0].message.content`` starts
with the reasoning in ``<reasoning>...</reasoning>`` when there is any (as Bedrock's
InvokeModel returns gpt-oss output). Stream: ``chat.completion.chunk`` objects with
``choices[0].delta``; the last has the finish reason and the usage.
"""

import time

from ..conversation import Conversation
from ..planner import Plan
from . import chat
from .base import Context, malformed, optional, optional_count, string_list

REASONING_OPEN, REASONING_CLOSE = "<reasoning>", "</reasoning>"


class OpenAI(chat.ChatFormat):
    name = "openai"

    def parse(self, body: dict, ctx: Context) -> Conversation:
        stream = optional(body, "stream", bool, "Boolean")
        if stream is not None and stream != ctx.streaming:
            operation = "InvokeModelWithResponseStream" if ctx.streaming else "InvokeModel"
            raise malformed(f"#/stream: must be {str(ctx.streaming).lower()} for {operation}")
        model = optional(body, "model", str, "String")
        if model is not None and model not in (ctx.model_id, ctx.base_model_id):
            raise malformed(f"#/model: {model} does not match the model id {ctx.model_id}")
        conv = chat.read(body)
        limit = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
        conv.max_tokens = optional_count(body, limit)
        conv.stop_sequences = string_list(body, "stop")
        conv.reasoning = isinstance(body.get("reasoning_effort"), str)
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        content = "".join(_reasoning_pieces(plan)) + plan.text
        message = {"role": "assistant", "content": content or None}
        if plan.tool_call is not None:
            message["tool_calls"] = chat.tool_calls(plan)
        return {**self._header(plan, ctx, "chat.completion"),
                "choices": [{"index": 0, "message": message,
                             "finish_reason": self.stop_reason(plan)}],
                "usage": chat.usage(plan)}

    def stream(self, plan: Plan, ctx: Context):
        yield from chat.delta_stream(self._header(plan, ctx, "chat.completion.chunk"),
                                     [*_reasoning_pieces(plan), *plan.tokens], plan,
                                     self.stop_reason(plan))

    @staticmethod
    def _header(plan: Plan, ctx: Context, kind: str) -> dict:
        return {"id": "chatcmpl-" + plan.key, "object": kind, "created": int(time.time()),
                "model": ctx.model_id}


def _reasoning_pieces(plan: Plan) -> list[str]:
    if plan.reasoning is None:
        return []
    return [REASONING_OPEN, *plan.reasoning_tokens, REASONING_CLOSE]
