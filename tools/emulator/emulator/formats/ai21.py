"""AI21 Labs Jamba: OpenAI-style chat completions.

Request: ``{"messages", "tools", "max_tokens", "temperature", "top_p", "stop", "n",
"response_format"}``. Response: ``{"id", "choices": [{"index", "message": {"role",
"content", "tool_calls"}, "finish_reason"}], "usage": {"prompt_tokens",
"completion_tokens", "total_tokens"}, "meta": {"requestDurationMillis"}, "model"}``
(``stop``, ``length`` or ``tool_calls``). Stream chunks carry ``choices[].delta``; the
last one has the finish reason and the usage.
"""

from ..planner import Plan
from . import chat
from .base import Context


class Jamba(chat.ChatFormat):
    name = "ai21"

    def response(self, plan: Plan, ctx: Context) -> dict:
        message = {"role": "assistant", "content": None if plan.tool_call else plan.text,
                   "tool_calls": chat.tool_calls(plan) if plan.tool_call else None}
        return {"id": "chatcmpl-" + plan.key,
                "choices": [{"index": 0, "message": message,
                             "finish_reason": self.stop_reason(plan)}],
                "usage": chat.usage(plan), "meta": {"requestDurationMillis": ctx.elapsed_ms()},
                "model": ctx.model_name}

    def stream(self, plan: Plan, ctx: Context):
        yield from chat.delta_stream({"id": "chatcmpl-" + plan.key}, plan.tokens, plan,
                                     self.stop_reason(plan))
