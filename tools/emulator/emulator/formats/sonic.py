"""Amazon Nova Sonic over InvokeModelWithBidirectionalStream: its input events, read in
order and checked, and the output events the emulator answers each user text with.

Input (each the JSON of one chunk): ``{"event": {NAME: {...}}}``, NAME one of
``sessionStart`` (first), ``promptStart {promptName}``, ``contentStart {promptName,
contentName, type: TEXT|AUDIO|TOOL, role: SYSTEM|USER|ASSISTANT|TOOL|SYSTEM_SPEECH,
interactive?}``, ``textInput {promptName, contentName, content}`` (and ``audioInput``,
``toolResult`` likewise, in a content of their type), ``contentEnd {promptName,
contentName}``, ``promptEnd {promptName}``, ``sessionEnd`` (last).

A USER TEXT content that is not history (``interactive`` not false) is a turn: when it
ends, the answer is one completion of ``completionStart``, ``contentStart`` (ASSISTANT,
TEXT), ``textOutput`` ``You said: <its text>``, ``contentEnd`` and ``completionEnd``
(stop reason ``END_TURN``), with ids derived from the input, so the same input always gets
the same answer. System prompts, history, audio and tool results are read and checked but
not answered (the emulator does not speak or hear).
"""

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..planner import REPLY_PREFIX

# Model ids (after any inference-profile prefix): amazon.nova-sonic-v1:0,
# amazon.nova-2-sonic-v1:0.
MODEL_ID = re.compile(r"amazon\.nova(-\d+)?-sonic-v\d+(:\d+)?")
_TYPES = ("TEXT", "AUDIO", "TOOL")
_ROLES = ("SYSTEM", "USER", "ASSISTANT", "TOOL", "SYSTEM_SPEECH")
# The events that carry a content's data -> the content type they belong in.
_DATA_EVENTS = {"textInput": "TEXT", "audioInput": "AUDIO", "toolResult": "TOOL"}
_EVENTS = ("sessionStart", "promptStart", "contentStart", *_DATA_EVENTS, "contentEnd",
           "promptEnd", "sessionEnd")
_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "bedrock-emulator:nova-sonic")  # of the derived ids
_END_TURN = "END_TURN"


@dataclass(frozen=True)
class Turn:
    prompt_name: str
    text: str


@dataclass
class Session:
    """What the input events said: the turns to answer, in order, and the first invalid
    event (why the stream ends in a validationException), if any."""

    session_id: str = ""
    turns: list[Turn] = field(default_factory=list)
    error: str | None = None


class _Invalid(Exception):
    pass


def read_session(chunks: list[bytes]) -> Session:
    """The session the chunks' events make, up to the first invalid one."""
    reader = _Reader()
    for number, chunk in enumerate(chunks, 1):
        try:
            reader.read(chunk)
        except _Invalid as exc:
            reader.session.error = f"Invalid input event {number}: {exc}"
            break
    return reader.session


def output_events(session: Session) -> Iterator[dict]:
    """The output events answering each turn."""
    for number, turn in enumerate(session.turns):
        ids = {"sessionId": session.session_id, "promptName": turn.prompt_name,
               "completionId": _id(session.session_id, "completion", str(number))}
        content = {**ids, "contentId": _id(ids["completionId"], "content")}
        yield _event("completionStart", ids)
        yield _event("contentStart", {**content, "type": "TEXT", "role": "ASSISTANT",
                                      "additionalModelFields": '{"generationStage":"FINAL"}',
                                      "textOutputConfiguration": {"mediaType": "text/plain"}})
        yield _event("textOutput", {**content, "role": "ASSISTANT",
                                    "content": REPLY_PREFIX + turn.text})
        yield _event("contentEnd", {**content, "type": "TEXT", "stopReason": _END_TURN})
        yield _event("completionEnd", {**ids, "stopReason": _END_TURN})


def _event(name: str, body: dict) -> dict:
    return {"event": {name: body}}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_IDS, "/".join(parts)))


class _Reader:
    """Reads the input events one by one, keeping the open prompts and contents."""

    def __init__(self):
        self.session = Session()
        self.started = self.ended = False
        self.prompts: set[str] = set()
        self.contents: dict[str, dict] = {}  # contentName -> its contentStart
        self.texts: dict[str, list[str]] = {}  # contentName -> its textInputs

    def read(self, chunk: bytes) -> None:
        name, body = _parse(chunk)
        if self.ended:
            raise _Invalid(f"{name} after sessionEnd")
        if not self.started and name != "sessionStart":
            raise _Invalid(f"the first event must be sessionStart, not {name}")
        if name == "sessionStart":
            if self.started:
                raise _Invalid("a second sessionStart")
            self.started = True
            self.session.session_id = _id("session", json.dumps(body, sort_keys=True))
        elif name == "sessionEnd":
            self.ended = True
        elif name == "promptStart":
            prompt = _string(body, "promptName")
            if prompt in self.prompts:
                raise _Invalid(f"prompt {prompt!r} has already started")
            self.prompts.add(prompt)
        elif name == "promptEnd":
            self.prompts.remove(self._prompt(body))
        elif name == "contentStart":
            self._prompt(body)
            content = _string(body, "contentName")
            if content in self.contents:
                raise _Invalid(f"content {content!r} has already started")
            for key, allowed in (("type", _TYPES), ("role", _ROLES)):
                if body.get(key) not in allowed:
                    raise _Invalid(f"contentStart's {key} must be one of {', '.join(allowed)}")
            self.contents[content] = body
            self.texts[content] = []
        elif name == "contentEnd":
            content = self._content(body)
            start = self.contents.pop(content)
            text = "".join(self.texts.pop(content))
            if (start["type"], start["role"]) == ("TEXT", "USER") and \
                    start.get("interactive") is not False:
                self.session.turns.append(Turn(start["promptName"], text))
        else:
            content = self._content(body)
            kind = self.contents[content]["type"]
            if kind != _DATA_EVENTS[name]:
                raise _Invalid(f"{name} in content {content!r}, whose type is {kind}")
            text = _string(body, "content")
            if name == "textInput":
                self.texts[content].append(text)

    def _prompt(self, body: dict) -> str:
        prompt = _string(body, "promptName")
        if prompt not in self.prompts:
            raise _Invalid(f"prompt {prompt!r} is not open (no promptStart, or ended)")
        return prompt

    def _content(self, body: dict) -> str:
        prompt = self._prompt(body)
        content = _string(body, "contentName")
        start = self.contents.get(content)
        if start is None or start["promptName"] != prompt:
            raise _Invalid(f"content {content!r} of prompt {prompt!r} is not open "
                           "(no contentStart, or ended)")
        return content


def _parse(chunk: bytes) -> tuple[str, dict]:
    """``(name, body)`` of ``{"event": {name: body}}``."""
    try:
        value = json.loads(chunk)
    except ValueError as exc:
        raise _Invalid(f"not JSON ({exc})") from None
    event = value.get("event") if isinstance(value, dict) else None
    if not isinstance(event, dict) or len(value) != 1 or len(event) != 1:
        raise _Invalid('an input event must be {"event": {"<name>": {...}}}')
    [(name, body)] = event.items()
    if name not in _EVENTS:
        raise _Invalid(f"unknown event {name!r}; input events are {', '.join(_EVENTS)}")
    if not isinstance(body, dict):
        raise _Invalid(f"{name} must be an object")
    return name, body


def _string(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise _Invalid(f"{key} must be a non-empty string")
    return value
