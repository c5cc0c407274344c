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
from .base import Context

THINK_END = "\n</think>\n\n"


class DeepSeek(prompts.Completion):
    name = "deepseek"
    templates = (prompts.deepseek,)
    choices_key = "choices"

    def parse(self, body: dict, ctx: Context) -> Conversation:
        conv = super().parse(body, ctx)
        conv.reasoning = bool(prompts.OPEN_THINK_AT_END.search(body["prompt"]))
        return conv

    def pieces(self, plan: Plan) -> list[str]:
        if plan.reasoning is None:
            return super().pieces(plan)
        return [*plan.reasoning_tokens, *tokenize(THINK_END), *plan.tokens]
