"""Amazon Nova (messages-v1): Converse's content blocks inside an InvokeModel body.

Request: ``{"schemaVersion": "messages-v1", "system", "messages", "inferenceConfig":
{"max_new_tokens" (Nova 2: "maxTokens"), "temperature", "top_p", "top_k",
"stopSequences"}, "toolConfig", "reasoningConfig"?}``.
Response: ``{"output": {"message": {"role", "content": [{"reasoningContent"},
{"toolUse"}, {"text"}]}}, "stopReason", "usage": {"inputTokens", "outputTokens",
"totalTokens", "cacheReadInputTokenCount", "cacheWriteInputTokenCount"}}``.
Stream chunks, one event each: messageStart, contentBlockStart (tool use),
contentBlockDelta, contentBlockStop, messageStop, metadata.
"""

from ..conversation import Conversation
from ..planner import Plan
from . import converse
from .base import Context, Format, optional, string_list, user_assistant_messages



class Nova(Format):
    name = "nova"
    stop_reasons = {stop: stop for stop in ("end_turn", "tool_use", "max_tokens",
                                            "stop_sequence", "guardrail_intervened")}

    def parse(self, body: dict, ctx: Context) -> Conversation:
        messages = user_assistant_messages(body, list, "JSONArray")
        system = optional(body, "system", list, "JSONArray", default=[])
        tool_config = optional(body, "toolConfig", dict, "JSONObject")
        conv = Conversation()
        converse.read_messages_v1(conv, system, messages, tool_config)
        config = optional(body, "inferenceConfig", dict, "JSONObject", default={})
        limit = "max_new_tokens" if "max_new_tokens" in config else "maxTokens"
        conv.max_tokens = optional(config, limit, int, "Integer", "inferenceConfig")
        conv.stop_sequences = string_list(config, "stopSequences", "inferenceConfig")
        conv.reasoning = converse.reasoning_requested(body)
        return conv

    def response(self, plan: Plan, ctx: Context) -> dict:
        return {"output": {"message": {"role": "assistant", "content":
                                       converse.content_blocks(plan, signature=False)}},
                "stopReason": self.stop_reason(plan), "usage": _usage(plan)}

    def stream(self, plan: Plan, ctx: Context):
        yield {"messageStart": {"role": "assistant"}}
        for event_type, payload in converse.block_events(plan, signature=False):
            yield {event_type: payload}
        yield {"messageStop": {"stopReason": self.stop_reason(plan)}}
        yield {"metadata": {"usage": _usage(plan), "metrics": {}, "trace": {}}}


def _usage(plan: Plan) -> dict:
    return {"inputTokens": plan.usage.input_tokens, "outputTokens": plan.usage.output_tokens,
            "totalTokens": plan.usage.total_tokens,
            "cacheReadInputTokenCount": plan.usage.cache_read,
            "cacheWriteInputTokenCount": plan.usage.cache_write}
