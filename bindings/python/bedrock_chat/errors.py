"""Exceptions raised for libbedrock's error statuses, one class per status."""

from __future__ import annotations

import json
from typing import Any

from ._library import lib as _lib


class BedrockError(Exception):
    """A failed call.

    ``status`` is the C ``bedrock_status`` value and ``status_name`` its enumerator name;
    ``error_type`` is the AWS error type (e.g. ``ThrottlingException``) when the service named
    one; ``http_status`` and ``request_id`` come from the last HTTP response; ``attempts`` is
    how many HTTP attempts the call made (None when it failed before sending); ``retryable``
    says whether the library's own retry rules count the error as transient (throttling,
    network failures, timeouts, HTTP 500/502/503/504, ModelNotReadyException), so trying
    again later may succeed; ``field`` is the JSON path of the input to blame
    (``request.messages[1].role``) for invalid arguments and config errors.
    """

    status: int = -1

    def __init__(self, message: str, *, status: int | None = None, error_type: str | None = None,
                 http_status: int | None = None, request_id: str | None = None,
                 attempts: int | None = None, status_name: str | None = None, retryable: bool = False,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.error_type = error_type
        self.http_status = http_status
        self.request_id = request_id
        self.attempts = attempts
        self.retryable = retryable
        self.field = field
        self.status_name = status_name or _lib.bedrock_status_name(self.status).decode("ascii")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the keyword-only details through pickling (multiprocessing, concurrent.futures).
        return (_rebuild, (type(self), self.message, self.__dict__))

    def __repr__(self) -> str:
        details = ", ".join(f"{key}={getattr(self, key)!r}" for key in
                            ("error_type", "http_status", "request_id", "attempts", "field")
                            if getattr(self, key) is not None)
        return f"{type(self).__name__}({self.message!r}{', ' if details else ''}{details})"


def _rebuild(cls: type[BedrockError], message: str, state: dict[str, Any]) -> BedrockError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class InvalidArgumentError(BedrockError, ValueError):
    """BEDROCK_ERR_INVALID_ARGUMENT: a malformed request or config; the message names the field."""
    status = 1


class ConfigError(BedrockError):
    """BEDROCK_ERR_CONFIG: no region, or an unknown profile."""
    status = 2


class CredentialsError(BedrockError):
    """BEDROCK_ERR_CREDENTIALS: no credentials found, or the service rejected them."""
    status = 3


class NetworkError(BedrockError, ConnectionError):
    """BEDROCK_ERR_NETWORK: could not connect, or the connection broke."""
    status = 4


class BedrockTimeoutError(BedrockError, TimeoutError):
    """BEDROCK_ERR_TIMEOUT: connect_timeout_ms, timeout_ms or read_timeout_ms ran out."""
    status = 5


class ThrottledError(BedrockError):
    """BEDROCK_ERR_THROTTLED: ThrottlingException, ServiceQuotaExceededException, HTTP 429."""
    status = 6


class AccessDeniedError(BedrockError, PermissionError):
    """BEDROCK_ERR_ACCESS_DENIED: AccessDeniedException, HTTP 403."""
    status = 7


class ValidationError(BedrockError):
    """BEDROCK_ERR_VALIDATION: ValidationException, other HTTP 4xx."""
    status = 8


class NotFoundError(BedrockError):
    """BEDROCK_ERR_NOT_FOUND: ResourceNotFoundException, HTTP 404."""
    status = 9


class ModelError(BedrockError):
    """BEDROCK_ERR_MODEL: ModelErrorException, ModelNotReadyException, ModelTimeoutException,
    modelStreamErrorException."""
    status = 10


class ServiceError(BedrockError):
    """BEDROCK_ERR_SERVICE: InternalServerException, ServiceUnavailableException, other 5xx."""
    status = 11


class ProtocolError(BedrockError):
    """BEDROCK_ERR_PROTOCOL: a malformed response body or event-stream frame."""
    status = 12


class CancelledError(BedrockError):
    """BEDROCK_ERR_CANCELLED: the stream was cancelled."""
    status = 13


class InternalError(BedrockError):
    """BEDROCK_ERR_INTERNAL: a bug in the library."""
    status = 14


class LimitError(BedrockError):
    """BEDROCK_ERR_LIMIT: a multi handle already has max_pending calls in flight."""
    status = 15


_BY_STATUS: dict[int, type[BedrockError]] = {cls.status: cls for cls in BedrockError.__subclasses__()}


def error_from_json(text: str) -> BedrockError:
    """The exception for a ``bedrock_error_json`` document."""
    info: dict[str, Any] = json.loads(text)
    status = int(info.get("status", InternalError.status))
    cls = _BY_STATUS.get(status, BedrockError)
    return cls(info.get("message", ""), status=status, error_type=info.get("error_type"),
               http_status=info.get("http_status"), request_id=info.get("request_id"),
               attempts=info.get("attempts"), status_name=info.get("status_name"),
               retryable=bool(info.get("retryable", False)), field=info.get("field"))


def raise_for_status(status: int, err: Any) -> None:
    """Raises the typed exception for a failed library call (``err`` is its ``bedrock_error *``
    as a ctypes c_void_p). Frees the C error in every case."""
    try:
        if status == 0:
            return
        text = _lib.bedrock_error_json(err) if err.value else None
        if text is None:
            raise error_from_json(json.dumps({"status": status, "message": f"status {status}"}))
        raise error_from_json(text.decode("utf-8"))
    finally:
        if err.value:
            _lib.bedrock_error_free(err)
            err.value = None
