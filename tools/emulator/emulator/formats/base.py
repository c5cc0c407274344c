"""What every request format provides, and the body-validation helpers they share."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..conversation import Conversation
from ..errors import validation_error
from ..planner import Plan

_JSON_TYPES = ((bool, "Boolean"), (int, "Integer"), (float, "Number"), (str, "String"),
               (list, "JSONArray"), (dict, "JSONObject"), (type(None), "null"))
_VERSION_SUFFIX = re.compile(r"-v\d+(:\d+)?$")


@dataclass(frozen=True)
class Context:
    """One request as the formats see it."""

    model_id: str  # as given in the path (a model id, inference profile or ARN)
    base_model_id: str  # without an inference-profile prefix
    streaming: bool
    request_id: str
    elapsed_ms: Callable[[], int]
    body: dict  # the request body, for formats that echo parts of it

    @property
    def model_name(self) -> str:
        """The model's short name, e.g. ``claude-3-sonnet-20240229`` (for response bodies)."""
        name = self.base_model_id.rsplit("/", 1)[-1]
        name = name.split(".", 1)[1] if "." in name else name
        return _VERSION_SUFFIX.sub("", name)


class Format:
    """An InvokeModel body format: parse a request, render a reply plain or streamed."""

    name = ""
    # Converse stop reason (see planner) -> this format's own value.
    stop_reasons: dict[str, str] = {}

    def parse(self, body: dict, ctx: Context) -> Conversation:
        raise NotImplementedError

    def response(self, plan: Plan, ctx: Context) -> dict:
        raise NotImplementedError

    def stream(self, plan: Plan, ctx: Context) -> Iterator[dict]:
        """The provider's stream chunks. The caller adds invocation metrics to the last."""
        raise NotImplementedError

    def stop_reason(self, plan: Plan) -> str:
        return self.stop_reasons[plan.stop]


def stop_reasons(end: str, length: str, tool: str | None = None, stop: str | None = None,
                 guardrail: str | None = None) -> dict[str, str]:
    """A stop-reason table; a format without a separate value for a case reuses ``end``."""
    return {"end_turn": end, "max_tokens": length, "tool_use": tool or end,
            "stop_sequence": stop or end, "guardrail_intervened": guardrail or end}


# -- validation ---------------------------------------------------------------------------
# Messages follow Bedrock's JSON-schema wording for malformed model input.

def malformed(detail: str):
    return validation_error(f"Malformed input request: {detail}, please reformat your input "
                            "and try again.")


def type_name(value) -> str:
    return next(name for kind, name in _JSON_TYPES if isinstance(value, kind))


def expect(value, kinds, path: str, expected: str):
    """``value`` if it is one of ``kinds`` (bool never counts as a number)."""
    if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in _tuple(kinds)):
        return value
    raise malformed(f"#/{path}: expected type: {expected}, found: {type_name(value)}")


def required(body: dict, key: str, kinds, expected: str, path: str = ""):
    if key not in body:
        raise malformed(f"#{'/' + path if path else ''}: required key [{key}] not found")
    return expect(body[key], kinds, f"{path}/{key}".strip("/"), expected)


def optional(body: dict, key: str, kinds, expected: str, path: str = "", default=None):
    if body.get(key) is None:
        return default
    return expect(body[key], kinds, f"{path}/{key}".strip("/"), expected)


def each_message(body: dict, roles) -> Iterator[tuple[str, dict, str]]:
    """``(path, message, role)`` for each of the body's ``messages``, a non-empty list of
    objects whose ``role`` is one of ``roles``; each is checked as it is reached."""
    messages = required(body, "messages", list, "JSONArray")
    if not messages:
        raise malformed("#/messages: expected minimum item count: 1, found: 0")
    for index, message in enumerate(messages):
        path = f"messages/{index}"
        expect(message, dict, path, "JSONObject")
        role = required(message, "role", str, "String", path)
        if role not in roles:
            raise malformed(f"#/{path}/role: {role} is not a valid enum value")
        yield path, message, role


def user_assistant_messages(body: dict, content_kinds, content_expected: str) -> list[dict]:
    """The body's ``messages``: a non-empty list of ``{"role": "user"|"assistant", "content"}``,
    validated with Bedrock's wording (Anthropic and Nova check them alike)."""
    for path, message, _ in each_message(body, ("user", "assistant")):
        required(message, "content", content_kinds, content_expected, path)
    return body["messages"]


def optional_count(body: dict, key: str, path: str = "", minimum: int = 1) -> int | None:
    """An optional integer limit such as max_tokens."""
    value = optional(body, key, int, "Integer", path)
    if value is not None and value < minimum:
        raise malformed(f"#/{f'{path}/{key}'.strip('/')}: {value} is not greater or equal "
                        f"to {minimum}")
    return value


def string_list(body: dict, key: str, path: str = "") -> list[str]:
    """A stop-sequence style field: a string or a list of strings (absent: empty)."""
    value = body.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    where = f"{path}/{key}".strip("/")
    expect(value, list, where, "JSONArray")
    return [expect(item, str, f"{where}/{i}", "String") for i, item in enumerate(value)]


def _tuple(kinds) -> tuple:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def guardrail_assessment(guardrail) -> dict:
    """The assessment a guardrail trace reports for an input it blocked."""
    return {guardrail.identifier: content_policy(blocked=True)}


def content_policy(blocked: bool) -> dict:
    """The emulated guardrail's one content filter (misconduct, high strength), as a
    GuardrailAssessment's ``contentPolicy``."""
    return {"contentPolicy": {"filters": [
        {"type": "MISCONDUCT", "confidence": "HIGH" if blocked else "NONE",
         "filterStrength": "HIGH", "action": "BLOCKED" if blocked else "NONE",
         "detected": blocked}]}}
