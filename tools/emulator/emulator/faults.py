"""Fault specifications: parsing of queued faults and ``[[fault:...]]`` directives.

A fault is a kind string, optionally with ``:``-separated arguments, e.g. ``throttle``,
``status:418``, ``delay:250``, ``error:ModelTimeoutException:408``, given either alone or
as ``{"kind": ..., "message": ..., "exception": ..., "style": ...}``.
"""

import re
from dataclasses import dataclass

from .errors import STYLES, ApiError

# kind -> (HTTP status, error type, default style, default message)
ERROR_KINDS = {
    "throttle": (429, "ThrottlingException", "header_suffix",
                 "Too many requests, please wait before trying your request again."),
    "validation": (400, "ValidationException", "header",
                   "Malformed input request, please reformat your input and try again."),
    "access_denied": (403, "AccessDeniedException", "body",
                      "You don't have access to the model with the specified model ID."),
    "not_ready": (429, "ModelNotReadyException", "header",
                  "Model is not ready for inference. Wait and try your request again."),
    "internal": (500, "InternalServerException", "header",
                 "The server encountered an internal error while processing the request."),
    "unavailable": (503, "ServiceUnavailableException", "body",
                    "The service is currently unavailable. Try your request again later."),
}
STREAM_KINDS = ("stream_exception", "stream_corrupt", "stream_truncate")
OTHER_KINDS = ("error", "status", "garbage", "delay", "token_delay", "hang", "close")
DEFAULT_HANG_MS = 30_000
DEFAULT_STREAM_EXCEPTION = "modelStreamErrorException"

_DIRECTIVE = re.compile(r"\[\[fault:([^\]]*)\]\]")
_FIELDS = {"kind", "message", "exception", "style"}


@dataclass(frozen=True)
class Fault:
    """One parsed fault. ``spec`` is the kind string as given, e.g. ``"status:418"``."""

    spec: str
    kind: str
    message: str | None = None
    status: int | None = None
    error_type: str | None = None
    style: str = "header"
    ms: int = 0
    exception: str = DEFAULT_STREAM_EXCEPTION

    def error(self) -> ApiError | None:
        """The HTTP error this fault answers with, if it is an error fault."""
        if self.kind in ERROR_KINDS or self.kind in ("error", "status"):
            return ApiError(self.status, self.error_type, self.message, self.style)
        return None


def parse_fault(spec) -> Fault:
    """Parse a fault given as a kind string or dict. Raises ValueError if invalid."""
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict):
        raise ValueError("a fault must be a string or an object")
    unknown = set(spec) - _FIELDS
    if unknown:
        raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
    for field in _FIELDS:
        if field in spec and not isinstance(spec[field], str):
            raise ValueError(f"fault field {field!r} must be a string")
    if "kind" not in spec:
        raise ValueError("a fault needs a 'kind'")
    kind_spec = spec["kind"].strip()
    kind, _, arg = kind_spec.partition(":")
    fields = _parse_kind(kind, arg)
    message = spec.get("message", fields.pop("message", None))
    if "style" in spec:
        if spec["style"] not in STYLES:
            raise ValueError(f"fault style must be one of {', '.join(STYLES)}")
        fields["style"] = spec["style"]
    if "exception" in spec:
        if kind != "stream_exception":
            raise ValueError("'exception' applies only to stream_exception")
        fields["exception"] = spec["exception"]
    return Fault(spec=kind_spec, kind=kind, message=message, **fields)


def find_directive(text: str) -> Fault | None:
    """Parse the first ``[[fault:KIND]]`` directive in ``text``, if any."""
    match = _DIRECTIVE.search(text)
    return parse_fault(match.group(1)) if match else None


def _parse_kind(kind: str, arg: str) -> dict:
    if kind in ERROR_KINDS:
        _no_argument(kind, arg)
        status, error_type, style, message = ERROR_KINDS[kind]
        return {"status": status, "error_type": error_type, "style": style, "message": message}
    if kind == "error":
        error_type, _, status = arg.partition(":")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", error_type):
            raise ValueError("error fault needs a type: error:TYPE:STATUS")
        return {"status": _status(status), "error_type": error_type,
                "message": f"Emulated {error_type}."}
    if kind == "status":
        status = _status(arg)
        return {"status": status, "message": f"Emulated HTTP {status}."}
    if kind in ("delay", "token_delay"):
        return {"ms": _milliseconds(kind, arg)}
    if kind == "hang":
        return {"ms": _milliseconds(kind, arg) if arg else DEFAULT_HANG_MS}
    if kind == "stream_exception":
        if arg and not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", arg):
            raise ValueError("stream_exception argument must be an exception type")
        return {"exception": arg or DEFAULT_STREAM_EXCEPTION,
                "message": "The model stream was interrupted (emulated)."}
    if kind in ("garbage", "close", "stream_corrupt", "stream_truncate"):
        _no_argument(kind, arg)
        return {}
    known = ", ".join([*ERROR_KINDS, *STREAM_KINDS, *OTHER_KINDS])
    raise ValueError(f"unknown fault kind {kind!r} (known: {known})")


def _no_argument(kind: str, arg: str) -> None:
    if arg:
        raise ValueError(f"fault {kind!r} takes no argument")


def _status(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{2}", text) or int(text) < 400:
        raise ValueError(f"fault status must be a number from 400 to 999, got {text!r}")
    return int(text)


def _milliseconds(kind: str, text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,7}", text):
        raise ValueError(f"{kind} fault needs milliseconds, e.g. {kind}:100")
    return int(text)
