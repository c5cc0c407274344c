"""One case per InvokeModel body format: a model id, a request builder and reply readers.

``build(text, system=None, max_tokens=None, stop=None)`` makes the body a client would
send for a one-turn chat (prompt formats use the model's template). The readers take
the plain response body or the list of decoded stream chunks.
"""

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Case:
    name: str  # the format name the request log records
    model: str
    build: Callable[..., dict]
    text: Callable[[dict], str]
    stream_text: Callable[[list], str]
    stop: Callable[[dict], str]
    stream_stop: Callable[[list], str]
    reasons: dict = field(default_factory=dict)  # end / length / stop -> provider value
    has_system: bool = True  # whether build() can carry a system prompt

    def __str__(self):
        return self.name


def _put(body, key, value):
    if value is not None:
        body[key] = value
    return body


def anthropic(text, system=None, max_tokens=None, stop=None):
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens or 1024,
            "messages": [{"role": "user", "content": text}]}
    _put(body, "system", system)
    return _put(body, "stop_sequences", stop)


def llama3(text, system=None, max_tokens=None, stop=None):
    prompt = "<|begin_of_text|>"
    if system:
        prompt += f"<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>"
    prompt += (f"<|start_header_id|>user<|end_header_id|>\n\n{text}<|eot_id|>"
               "<|start_header_id|>assistant<|end_header_id|>\n\n")
    return _put({"prompt": prompt, "temperature": 0.5}, "max_gen_len", max_tokens)


def mistral_text(text, system=None, max_tokens=None, stop=None):
    sys_part = f"<<SYS>>\n{system}\n<</SYS>>\n\n" if system else ""
    body = {"prompt": f"<s>[INST] {sys_part}{text} [/INST]"}
    _put(body, "max_tokens", max_tokens)
    return _put(body, "stop", stop)


def chat_messages(text, system=None):
    messages = [{"role": "system", "content": system}] if system else []
    return messages + [{"role": "user", "content": text}]


def mistral_chat(text, system=None, max_tokens=None, stop=None):
    body = {"messages": chat_messages(text, system)}
    _put(body, "max_tokens", max_tokens)
    return _put(body, "stop", stop)


def cohere_command(text, system=None, max_tokens=None, stop=None):
    body = _put({"prompt": text, "stream": True}, "max_tokens", max_tokens)  # no system
    return _put(body, "stop_sequences", stop)


def cohere_chat(text, system=None, max_tokens=None, stop=None):
    body = _put({"message": text}, "preamble", system)
    _put(body, "max_tokens", max_tokens)
    return _put(body, "stop_sequences", stop)


def titan(text, system=None, max_tokens=None, stop=None):
    prompt = (f"{system}\n\n" if system else "") + f"User: {text}\nBot:"
    config = _put({"temperature": 0}, "maxTokenCount", max_tokens)
    _put(config, "stopSequences", stop)
    return {"inputText": prompt, "textGenerationConfig": config}


def nova(text, system=None, max_tokens=None, stop=None):
    body = {"schemaVersion": "messages-v1",
            "messages": [{"role": "user", "content": [{"text": text}]}]}
    _put(body, "system", [{"text": system}] if system else None)
    config = _put({}, "max_new_tokens", max_tokens)
    _put(config, "stopSequences", stop)
    return _put(body, "inferenceConfig", config or None)


def jamba(text, system=None, max_tokens=None, stop=None):
    body = {"messages": chat_messages(text, system)}
    _put(body, "max_tokens", max_tokens)
    return _put(body, "stop", stop)


def deepseek(text, system=None, max_tokens=None, stop=None):
    prompt = f"<｜begin▁of▁sentence｜>{system or ''}<｜User｜>{text}<｜Assistant｜>"
    body = _put({"prompt": prompt}, "max_tokens", max_tokens)
    return _put(body, "stop", stop)


def openai(text, system=None, max_tokens=None, stop=None):
    body = {"messages": chat_messages(text, system)}
    _put(body, "max_completion_tokens", max_tokens)
    return _put(body, "stop", stop)


def _joined(pieces):
    return "".join(piece for piece in pieces if piece)


def _anthropic_stream_text(chunks):
    return _joined(c["delta"].get("text") for c in chunks if c["type"] == "content_block_delta")


def _anthropic_stream_stop(chunks):
    return next(c["delta"]["stop_reason"] for c in chunks if c["type"] == "message_delta")


def _nova_text(body):
    return _joined(block.get("text") for block in body["output"]["message"]["content"])


def _nova_stream_text(chunks):
    return _joined(c["contentBlockDelta"]["delta"].get("text") for c in chunks
                   if "contentBlockDelta" in c)


def _cohere_chat_stream_text(chunks):
    return _joined(c.get("text") for c in chunks if c["event_type"] == "text-generation")


def _choices_delta_text(chunks):
    return _joined(c["choices"][0]["delta"].get("content") for c in chunks)


CHAT_REASONS = {"end": "stop", "length": "length", "stop": "stop"}
CASES = [
    Case("anthropic", "anthropic.claude-3-sonnet-20240229-v1:0", anthropic,
         lambda b: _joined(c.get("text") for c in b["content"]), _anthropic_stream_text,
         lambda b: b["stop_reason"], _anthropic_stream_stop,
         {"end": "end_turn", "length": "max_tokens", "stop": "stop_sequence"}),
    Case("meta", "us.meta.llama3-1-8b-instruct-v1:0", llama3, lambda b: b["generation"],
         lambda cs: _joined(c["generation"] for c in cs), lambda b: b["stop_reason"],
         lambda cs: cs[-1]["stop_reason"], {"end": "stop", "length": "length"}),
    Case("mistral", "mistral.mistral-7b-instruct-v0:2", mistral_text,
         lambda b: b["outputs"][0]["text"], lambda cs: _joined(c["outputs"][0]["text"] for c in cs),
         lambda b: b["outputs"][0]["stop_reason"], lambda cs: cs[-1]["outputs"][0]["stop_reason"],
         CHAT_REASONS),
    Case("mistral-chat", "mistral.mistral-large-2407-v1:0", mistral_chat,
         lambda b: b["choices"][0]["message"]["content"],
         lambda cs: _joined(c["choices"][0]["message"]["content"] for c in cs),
         lambda b: b["choices"][0]["stop_reason"], lambda cs: cs[-1]["choices"][0]["stop_reason"],
         CHAT_REASONS),
    Case("cohere", "cohere.command-text-v14", cohere_command,
         lambda b: b["generations"][0]["text"], lambda cs: _joined(c.get("text") for c in cs),
         lambda b: b["generations"][0]["finish_reason"], lambda cs: cs[-1]["finish_reason"],
         {"end": "COMPLETE", "length": "MAX_TOKENS", "stop": "COMPLETE"}, has_system=False),
    Case("cohere-chat", "cohere.command-r-plus-v1:0", cohere_chat, lambda b: b["text"],
         _cohere_chat_stream_text, lambda b: b["finish_reason"],
         lambda cs: cs[-1]["finish_reason"],
         {"end": "COMPLETE", "length": "MAX_TOKENS", "stop": "COMPLETE"}),
    Case("titan", "amazon.titan-text-express-v1", titan,
         lambda b: b["results"][0]["outputText"], lambda cs: _joined(c["outputText"] for c in cs),
         lambda b: b["results"][0]["completionReason"], lambda cs: cs[-1]["completionReason"],
         {"end": "FINISH", "length": "LENGTH", "stop": "STOP_CRITERIA_MET"}),
    Case("nova", "us.amazon.nova-lite-v1:0", nova, _nova_text, _nova_stream_text,
         lambda b: b["stopReason"],
         lambda cs: next(c["messageStop"]["stopReason"] for c in cs if "messageStop" in c),
         {"end": "end_turn", "length": "max_tokens", "stop": "stop_sequence"}),
    Case("ai21", "ai21.jamba-1-5-large-v1:0", jamba,
         lambda b: b["choices"][0]["message"]["content"], _choices_delta_text,
         lambda b: b["choices"][0]["finish_reason"],
         lambda cs: cs[-1]["choices"][0]["finish_reason"], CHAT_REASONS),
    Case("deepseek", "us.deepseek.r1-v1:0", deepseek, lambda b: b["choices"][0]["text"],
         lambda cs: _joined(c["choices"][0]["text"] for c in cs),
         lambda b: b["choices"][0]["stop_reason"], lambda cs: cs[-1]["choices"][0]["stop_reason"],
         CHAT_REASONS),
    Case("openai", "openai.gpt-oss-20b-1:0", openai,
         lambda b: b["choices"][0]["message"]["content"], _choices_delta_text,
         lambda b: b["choices"][0]["finish_reason"],
         lambda cs: cs[-1]["choices"][0]["finish_reason"], CHAT_REASONS),
]
BY_NAME = {case.name: case for case in CASES}
