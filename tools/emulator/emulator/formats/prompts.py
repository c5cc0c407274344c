"""Prompt templates: recover the conversation from a single prompt string.

Prompt-completion formats (Llama, Mistral text, Titan, DeepSeek-R1, Cohere Command) get
the whole chat as one string. Each template below turns such a string back into turns;
it returns None if its markers are absent, and the caller falls back to ``raw``: the
whole prompt, stripped, as one user turn. ``read`` does this for a body's prompt field, and
``Completion`` is the format Mistral text and DeepSeek-R1 share.
"""

import re
from dataclasses import dataclass

from ..conversation import Conversation
from ..planner import Plan
from .base import Context, Format, optional_count, required, stop_reasons, string_list

SYSTEM, USER, ASSISTANT, TOOL = "system", "user", "assistant", "tool"
_ROLES = {"system": SYSTEM, "user": USER, "assistant": ASSISTANT, "ipython": TOOL,
          "tool": TOOL, "bot": ASSISTANT, "chatbot": ASSISTANT}


@dataclass(frozen=True)
class Turn:
    role: str  # SYSTEM, USER, ASSISTANT or TOOL
    text: str


# Llama 3: <|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>...
_LLAMA3 = re.compile(r"<\|start_header_id\|>(.*?)<\|end_header_id\|>(.*?)"
                     r"(?=<\|start_header_id\|>|\Z)", re.S)
_LLAMA3_SPECIAL = re.compile(r"<\|(?:eot_id|eom_id|end_of_text|begin_of_text)\|>")
# Llama 4: <|begin_of_text|><|header_start|>user<|header_end|>Hi<|eot|>...
_LLAMA4 = re.compile(r"<\|header_start\|>(.*?)<\|header_end\|>(.*?)(?=<\|header_start\|>|\Z)",
                     re.S)
_LLAMA4_SPECIAL = re.compile(r"<\|(?:eot|eom|end_of_text|begin_of_text)\|>")
# Llama 2 and Mistral: <s>[INST] <<SYS>>\nsys\n<</SYS>>\n\nHi [/INST] reply </s><s>[INST] ...
_SYS = re.compile(r"<<SYS>>(.*?)<</SYS>>", re.S)
_INST = re.compile(r"\[INST\]|\[/INST\]")
_SENTENCE_MARKS = re.compile(r"</?s>")
# Titan: User: Hi\nBot: reply\nUser: again\nBot:
_TITAN = re.compile(r"(?:^|\n)[ \t]*(User|Bot):")
# DeepSeek: <｜begin▁of▁sentence｜>sys<｜User｜>Hi<｜Assistant｜><think>\n
# (LangChain writes the markers with ASCII bars: <|User|>)
_DEEPSEEK = re.compile(r"<[|｜](User|Assistant|System)[|｜]>")
_DEEPSEEK_SPECIAL = re.compile(r"<[|｜](?:begin|end)[▁_]of[▁_]sentence[|｜]>")
_THINK_BLOCK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S)
OPEN_THINK_AT_END = re.compile(r"<think>\s*\Z")


def llama3(prompt: str):
    if "<|start_header_id|>" not in prompt:
        return None
    return _header_turns(_LLAMA3.findall(prompt), _LLAMA3_SPECIAL)


def llama4(prompt: str):
    if "<|header_start|>" not in prompt:
        return None
    return _header_turns(_LLAMA4.findall(prompt), _LLAMA4_SPECIAL)


def inst(prompt: str):
    if "[INST]" not in prompt:
        return None
    turns = [Turn(SYSTEM, m.strip()) for m in _SYS.findall(prompt)]
    parts = _INST.split(_SYS.sub("", prompt))
    leading = _SENTENCE_MARKS.sub("", parts[0]).strip()
    if leading:
        turns.append(Turn(SYSTEM, leading))
    for index, part in enumerate(parts[1:]):
        turns.append(Turn(USER if index % 2 == 0 else ASSISTANT,
                          _SENTENCE_MARKS.sub("", part).strip()))
    return _non_empty(turns)


def titan(prompt: str):
    markers = list(_TITAN.finditer(prompt))
    if not any(m.group(1) == "User" for m in markers):
        return None
    turns = [Turn(SYSTEM, prompt[: markers[0].start()].strip())]
    for marker, following in zip(markers, markers[1:] + [None]):
        end = following.start() if following else len(prompt)
        turns.append(Turn(USER if marker.group(1) == "User" else ASSISTANT,
                          prompt[marker.end(): end].strip()))
    return _non_empty(turns)


def deepseek(prompt: str):
    markers = list(_DEEPSEEK.finditer(prompt))
    if not markers:
        return None
    turns = [Turn(SYSTEM, _DEEPSEEK_SPECIAL.sub("", prompt[: markers[0].start()]).strip())]
    for marker, following in zip(markers, markers[1:] + [None]):
        end = following.start() if following else len(prompt)
        text = _DEEPSEEK_SPECIAL.sub("", prompt[marker.end(): end])
        role = _ROLES[marker.group(1).lower()]
        if role == ASSISTANT:
            text = _THINK_BLOCK.sub("", text)
        turns.append(Turn(role, text.strip()))
    return _non_empty(turns)


def raw(prompt: str):
    return [Turn(USER, prompt.strip())]


def parse(prompt: str, templates) -> list[Turn]:
    """The turns of ``prompt`` by the first template that recognises it, else ``raw``."""
    for template in templates:
        turns = template(prompt)
        if turns is not None:
            return turns
    return raw(prompt)


def read(body: dict, templates, key: str = "prompt") -> Conversation:
    """The conversation in the body's prompt string ``body[key]`` (required), by ``parse``."""
    return conversation(parse(required(body, key, str, "String"), templates))


def conversation(turns: list[Turn]) -> Conversation:
    """A Conversation from prompt turns (system turns first in the token count)."""
    conv = Conversation()
    for turn in sorted(turns, key=lambda t: t.role != SYSTEM):
        conv.add_text(turn.text)
    dialogue = [turn for turn in turns if turn.role != SYSTEM]
    conv.turns = len(dialogue)
    users = [turn.text for turn in dialogue if turn.role == USER]
    conv.last_user_text = users[-1] if users else ""
    tail = []
    for turn in reversed(dialogue):
        if turn.role == ASSISTANT:
            break
        tail.append(turn)
    conv.tool_results = [turn.text for turn in reversed(tail) if turn.role == TOOL]
    return conv


def _header_turns(found, special) -> list[Turn]:
    turns = [Turn(_ROLES.get(role.strip().lower(), USER), special.sub("", text).strip())
             for role, text in found]
    return _non_empty(turns)


def _non_empty(turns: list[Turn]) -> list[Turn]:
    """Drop empty turns, such as the open assistant turn the model is to fill."""
    return [turn for turn in turns if turn.text]


class Completion(Format):
    """A prompt completion: ``{"prompt", "max_tokens", "stop", ...}`` with the prompt in one
    of ``templates``. The response and every stream chunk are ``{CHOICES_KEY: [{"text",
    "stop_reason"}]}`` (``stop`` or ``length``; null until the last chunk, which has no text).
    """

    templates = ()
    choices_key = ""
    stop_reasons = stop_reasons("stop", "length")

    def parse(self, body: dict, ctx: Context) -> Conversation:
        conv = read(body, self.templates)
        conv.max_tokens = optional_count(body, "max_tokens")
        conv.stop_sequences = string_list(body, "stop")
        return conv

    def pieces(self, plan: Plan) -> list[str]:
        """The reply as streamed, piece by piece."""
        return list(plan.tokens)

    def response(self, plan: Plan, ctx: Context) -> dict:
        return self._choices("".join(self.pieces(plan)), self.stop_reason(plan))

    def stream(self, plan: Plan, ctx: Context):
        for piece in self.pieces(plan):
            yield self._choices(piece, None)
        yield self._choices("", self.stop_reason(plan))

    def _choices(self, text: str, stop_reason: str | None) -> dict:
        return {self.choices_key: [{"text": text, "stop_reason": stop_reason}]}
