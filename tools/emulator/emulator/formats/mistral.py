"""Mistral AI: text completion (a prompt in the ``[INST]`` template) and chat completion
(Mistral Large 2407 and later: OpenAI-style ``messages`` with tools).

Text request: ``{"prompt", "max_tokens", "stop", "temperature", "top_p", "top_k"}``;
response ``{"outputs": [{"text", "stop_reason"}]}`` (``stop`` or ``length``), and every
stream chunk has that shape (stop_reason null until the last).

Chat request: ``{"messages", "tools", "tool_choice": "auto"|"any"|"none", "max_tokens",
"temperature", "top_p"}``; response ``{"choices": [{"index", "message": {"role",
"content", "tool_calls"?}, "stop_reason"}]}`` (``stop``, ``length`` or ``tool_calls``).
Stream chunks carry the same ``message`` (not ``delta``); a tool call arrives whole, in
one chunk, as Mistral sends it.
"""

from ..planner import Plan
from . import chat, prompts
from .base import Context


class MistralText(prompts.Completion):
    name = "mistral"
    templates = (prompts.inst,)
    choices_key = "outputs"


class MistralChat(chat.ChatFormat):
    name = "mistral-chat"

    def response(self, plan: Plan, ctx: Context) -> dict:
        return {"choices": [{"index": 0, "message": self._message(plan, plan.text),
                             "stop_reason": self.stop_reason(plan)}]}

    def stream(self, plan: Plan, ctx: Context):
        for token in plan.tokens:
            yield self._chunk({"role": "assistant", "content": token}, None)
        if plan.tool_call is not None:
            yield self._chunk(self._message(plan, ""), None)
        yield self._chunk({"role": "assistant", "content": ""}, self.stop_reason(plan))

    @staticmethod
    def _message(plan: Plan, content: str) -> dict:
        message = {"role": "assistant", "content": content}
        if plan.tool_call is not None:
            message["tool_calls"] = chat.tool_calls(plan)
        return message

    @staticmethod
    def _chunk(message: dict, stop_reason) -> dict:
        return {"choices": [{"index": 0, "message": message, "stop_reason": stop_reason}]}
