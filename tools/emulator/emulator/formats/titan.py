"""Amazon Titan Text (Lite, Express, Premier).

Request: ``{"inputText", "textGenerationConfig": {"maxTokenCount", "stopSequences",
"temperature", "topP"}}``; ``inputText`` is usually ``User: ...\\nBot:``.
Response: ``{"inputTextTokenCount", "results": [{"tokenCount", "outputText",
"completionReason"}]}`` with ``FINISH``, ``LENGTH`` or ``STOP_CRITERIA_MET``. Stream
chunks: ``{"outputText", "index", "totalOutputTextTokenCount", "completionReason",
"inputTextTokenCount"}``; the input count is in the first chunk, the completion reason in
the last.
"""

from ..conversation import Conversation
from ..planner import Plan
from . import prompts
from .base import Context, Format, expect, optional_count, required, stop_reasons, string_list

TEMPLATES = (prompts.titan,)


class Titan(Format):
    name = "titan"
    stop_reasons = stop_reasons("FINISH", "LENGTH", stop="STOP_CRITERIA_MET")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        prompt = required(body, "inputText", str, "String")
        conv = prompts.conversation(prompts.parse(prompt, TEMPLATES))
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
        for index, token in enumerate(plan.tokens):
            yield {"outputText": token, "index": 0, "totalOutputTextTokenCount": index + 1,
                   "completionReason": None,
                   "inputTextTokenCount": plan.usage.input_tokens if index == 0 else None}
        yield {"outputText": "", "index": 0,
               "totalOutputTextTokenCount": plan.usage.output_tokens,
               "completionReason": self.stop_reason(plan),
               "inputTextTokenCount": None if plan.tokens else plan.usage.input_tokens}
