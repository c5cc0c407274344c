"""DeepSeek-R1: a prompt in DeepSeek's template.

Request: ``{"prompt", "temperature", "top_p", "max_tokens", "stop"}``. Response and every
stream chunk: ``{"choices": [{"text", "stop_reason"}]}`` (``stop`` or ``length``, null
until the last chunk).

R1 reasons inside ``<think>``. The documented template ends the prompt with
``<｜Assistant｜><think>\\n``; when the prompt ends with an open ``<think>`` the reply
continues it: ``Thinking about: ...\\n</think>\\n\\n`` then the answer. Without it (as
LangChain's template) the reply is the answer alone.
"""

from ..conversation import Conversation
from ..planner import Plan, tokenize
from . import prompts
from .base import Context, Format, optional_count, required, stop_reasons, string_list

TEMPLATES = (prompts.deepseek,)
THINK_END = "\n</think>\n\n"


class DeepSeek(Format):
    name = "deepseek"
    stop_reasons = stop_reasons("stop", "length")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        prompt = required(body, "prompt", str, "String")
        conv = prompts.conversation(prompts.parse(prompt, TEMPLATES))
        conv.max_tokens = optional_count(body, "max_tokens")
        conv.stop_sequences = string_list(body, "stop")
        conv.reasoning = bool(prompts.OPEN_THINK_AT_END.search(prompt))
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        return {"choices": [{"text": "".join(_pieces(plan)),
                             "stop_reason": self.stop_reason(plan)}]}

    def stream(self, plan: Plan, ctx: Context):
        for piece in _pieces(plan):
            yield {"choices": [{"text": piece, "stop_reason": None}]}
        yield {"choices": [{"text": "", "stop_reason": self.stop_reason(plan)}]}


def _pieces(plan: Plan) -> list[str]:
    if plan.reasoning is None:
        return list(plan.tokens)
    return [*plan.reasoning_tokens, *tokenize(THINK_END), *plan.tokens]
