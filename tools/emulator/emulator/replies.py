"""Deterministic model behaviour: request validation, echo replies and response shapes.

The reply is ``"You said: "`` plus the text blocks of the last user message joined by
a space. It streams as word-sized tokens whose concatenation is the reply.
"""

import json
import re
from dataclasses import dataclass

from .errors import validation_error

REPLY_PREFIX = "You said: "
_TOKEN = re.compile(r"\S+\s*|\s+")
_ROLES = ("user", "assistant")


@dataclass(frozen=True)
class Reply:
    text: str
    tokens: list[str]
    stop_reason: str
    input_tokens: int

    @property
    def usage(self) -> dict:
        output_tokens = len(self.tokens)
        return {"inputTokens": self.input_tokens, "outputTokens": output_tokens,
                "totalTokens": self.input_tokens + output_tokens}


def parse_request(body: bytes) -> dict:
    """Parse and validate a Converse request body; raises a 400 ApiError."""
    try:
        request = json.loads(body)
    except ValueError as exc:
        raise validation_error(f"Malformed input request: body is not valid JSON ({exc})") from None
    if not isinstance(request, dict):
        raise validation_error("Malformed input request: body must be a JSON object")
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise validation_error("messages: must be a non-empty list of messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise validation_error(f"messages[{index}]: must be an object")
        if message.get("role") not in _ROLES:
            raise validation_error(f"messages[{index}].role: must be 'user' or 'assistant'")
        if not isinstance(message.get("content"), list):
            raise validation_error(f"messages[{index}].content: must be a list of content blocks")
    if messages[0]["role"] != "user":
        raise validation_error("A conversation must start with a user message. "
                               "Try again with a conversation that starts with a user message.")
    if not isinstance(request.get("system", []), list):
        raise validation_error("system: must be a list of system content blocks")
    _validate_inference_config(request.get("inferenceConfig", {}))
    return request


def _validate_inference_config(config) -> None:
    if not isinstance(config, dict):
        raise validation_error("inferenceConfig: must be an object")
    max_tokens = config.get("maxTokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or isinstance(max_tokens, bool)
                                   or max_tokens < 1):
        raise validation_error("inferenceConfig.maxTokens: must be an integer >= 1")
    stops = config.get("stopSequences", [])
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise validation_error("inferenceConfig.stopSequences: must be a list of strings")


def last_user_text(request) -> str:
    """Text blocks of the last user message joined by a space ('' if none)."""
    messages = request.get("messages") if isinstance(request, dict) else None
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return " ".join(_texts(message.get("content")))
    return ""


def make_reply(request: dict) -> Reply:
    """Build the deterministic reply for a validated request."""
    text = REPLY_PREFIX + last_user_text(request)
    config = request.get("inferenceConfig", {})
    stop_reason = "end_turn"
    found = [i for i in (text.find(s) for s in config.get("stopSequences", []) if s) if i >= 0]
    if found:
        text, stop_reason = text[:min(found)], "stop_sequence"
    tokens = _TOKEN.findall(text)
    max_tokens = config.get("maxTokens")
    if max_tokens is not None and len(tokens) > max_tokens:
        tokens, stop_reason = tokens[:max_tokens], "max_tokens"
    return Reply("".join(tokens), tokens, stop_reason, _count_input_words(request))


def converse_response(reply: Reply, latency_ms: int) -> dict:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
        "stopReason": reply.stop_reason,
        "usage": reply.usage,
        "metrics": {"latencyMs": latency_ms},
    }


def stream_events(reply: Reply, latency_ms):
    """Yield ConverseStream events as ``(event type, payload)``.

    ``latency_ms()`` is called when the final metadata event is produced. Each payload
    carries a ``p`` padding field, as real Bedrock's do.
    """
    events = [("messageStart", {"role": "assistant"})]
    events += [("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": token}})
               for token in reply.tokens]
    events += [("contentBlockStop", {"contentBlockIndex": 0}),
               ("messageStop", {"stopReason": reply.stop_reason})]
    for index, (event_type, payload) in enumerate(events):
        yield event_type, {**payload, "p": _padding(index)}
    yield "metadata", {"usage": reply.usage, "metrics": {"latencyMs": latency_ms()},
                       "p": _padding(len(events))}


def _padding(index: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return alphabet[: 1 + (index * 7) % len(alphabet)]


def _texts(blocks) -> list[str]:
    if not isinstance(blocks, list):
        return []
    return [b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str)]


def _count_input_words(request: dict) -> int:
    texts = _texts(request.get("system"))
    for message in request["messages"]:
        texts += _texts(message["content"])
    return sum(len(text.split()) for text in texts)
