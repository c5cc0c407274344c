"""Meta Llama 2, 3.x and 4 Instruct: a prompt in the model's template.

Request: ``{"prompt", "max_gen_len", "temperature", "top_p", "images"?}``; there is no
stop-sequence parameter. Response and every stream chunk:
``{"generation", "prompt_token_count", "generation_token_count", "stop_reason"}`` with
stop_reason ``stop`` or ``length`` (null until the last chunk).
"""

from ..conversation import Conversation
from ..planner import Plan
from . import prompts
from .base import Context, Format, optional_count, stop_reasons

TEMPLATES = (prompts.llama3, prompts.llama4, prompts.inst)


class Meta(Format):
    name = "meta"
    stop_reasons = stop_reasons("stop", "length")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        conv = prompts.read(body, TEMPLATES)
        conv.max_tokens = optional_count(body, "max_gen_len")
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        return {"generation": plan.text, "prompt_token_count": plan.usage.input_tokens,
                "generation_token_count": plan.usage.output_tokens,
                "stop_reason": self.stop_reason(plan)}

    def stream(self, plan: Plan, ctx: Context):
        for index, token in enumerate(plan.tokens):
            yield {"generation": token,
                   "prompt_token_count": plan.usage.input_tokens if index == 0 else None,
                   "generation_token_count": index + 1, "stop_reason": None}
        yield {"generation": "",
               "prompt_token_count": None if plan.tokens else plan.usage.input_tokens,
               "generation_token_count": plan.usage.output_tokens,
               "stop_reason": self.stop_reason(plan)}
