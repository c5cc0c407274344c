"""Amazon Titan Text (Lite, Express, Premier).

Request: ``{"inputText", "textGenerationConfig": {"maxTokenCount", "stopSequences",
"temperature", "topP"}}``; ``inputText`` is usually ``User: ...\\nBot:``.
Response: ``{"inputTextTokenCount", "results": [{"tokenCount", "outputText",
"completionReason"}]}`` with ``FINISH``, ``LENGTH`` or ``STOP_CRITERIA_MET``. Stream
chunks: ``{"outputText", "index", "totalOutputTextTokenCount", "completionReason",
"inputTextTokenCount"}``; the input count is in every chunk but the last, the output count
and the completion reason only in the last (which also carries the last piece of text).
"""

from ..conversation import Conversation
from ..planner import Plan
from . import prompts
from .base import Context, Format, expect, optional_count, stop_reasons, string_list

TEMPLATES = (prompts.titan,)


class Titan(Format):
    name = "titan"
    stop_reasons = stop_reasons("FINISH", "LENGTH", stop="STOP_CRITERIA_MET")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        conv = prompts.read(body, TEMPLATES, "inputText")
        config = expect(body.get("textGenerationConfig") or {}, dict, "textGenerationConfig",
                        "JSONObject")
        conv.max_tokens = optional_count(config, "maxTokenCount", "textGenerationConfig",
                                         minimum=0)
        conv.stop_sequences = string_list(config, "stopSequences", "textGenerationConfig")
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        return {"inputTextTokenCount": plan.usage.input_tokens,
                "results": [{"tokenCount": plan.usage.output_tokens, "outputText": plan.text,
                             "completionReason": self.stop_reason(plan)}]}

    def stream(self, plan: Plan, ctx: Context):
        # As Bedrock sends them: counts and reason null until the last chunk, which carries
        # the last piece of text; the input count on every chunk but the last.
        pieces = list(plan.tokens) or [""]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            yield {"outputText": piece, "index": 0,
                   "totalOutputTextTokenCount": plan.usage.output_tokens if last else None,
                   "completionReason": self.stop_reason(plan) if last else None,
                   "inputTextTokenCount": None if last else plan.usage.input_tokens}
