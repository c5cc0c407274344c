"""AI21 Labs Jamba: OpenAI-style chat completions.

Request: ``{"messages", "tools", "max_tokens", "temperature", "top_p", "stop", "n",
"response_format"}``. Response: ``{"id", "choices": [{"index", "message": {"role",
"content", "tool_calls"}, "finish_reason"}], "usage": {"prompt_tokens",
"completion_tokens", "total_tokens"}, "meta": {"requestDurationMillis"}, "model"}``
(``stop``, ``length`` or ``tool_calls``). Stream chunks carry ``choices[].delta``; the
last one has the finish reason and the usage.
"""

from ..conversation import Conversation
from ..planner import Plan
from . import chat
from .base import Context, Format, stop_reasons


class Jamba(Format):
    name = "ai21"
    stop_reasons = stop_reasons("stop", "length", "tool_calls")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        return chat.read_with_limits(body)

    def response(self, plan: Plan, ctx: Context) -> dict:
        message = {"role": "assistant", "content": None if plan.tool_call else plan.text,
                   "tool_calls": chat.tool_calls(plan) if plan.tool_call else None}
        return {"id": "chatcmpl-" + plan.key,
                "choices": [{"index": 0, "message": message,
                             "finish_reason": self.stop_reason(plan)}],
                "usage": chat.usage(plan), "meta": {"requestDurationMillis": ctx.elapsed_ms()},
                "model": ctx.model_name}

    def stream(self, plan: Plan, ctx: Context):
        yield self._chunk(plan, {"role": "assistant", "content": ""})
        for token in plan.tokens:
            yield self._chunk(plan, {"content": token})
        if plan.tool_call is not None:
            for delta in chat.tool_call_deltas(plan):
                yield self._chunk(plan, {"tool_calls": [delta]})
        yield {**self._chunk(plan, {}, self.stop_reason(plan)), "usage": chat.usage(plan)}

    @staticmethod
    def _chunk(plan: Plan, delta: dict, finish_reason=None) -> dict:
        return {"id": "chatcmpl-" + plan.key,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
