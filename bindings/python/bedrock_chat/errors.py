"""Exceptions raised for libbedrock's error statuses, one class per status."""

from __future__ import annotations

import json
from typing import Any


class BedrockError(Exception):
    """A failed call. ``status`` is the C ``bedrock_status`` value; ``error_type`` is the AWS
    error type (e.g. ``ThrottlingException``) when the service named one."""

    status: int = -1

    def __init__(self, message: str, *, status: int | None = None, error_type: str | None = None,
                 http_status: int | None = None, request_id: str | None = None,
                 attempts: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.error_type = error_type
        self.http_status = http_status
        self.request_id = request_id
        self.attempts = attempts

    @property
    def retryable(self) -> bool:
        """Whether trying again later may succeed."""
        return self.status in _RETRYABLE


class InvalidArgumentError(BedrockError, ValueError):
    status = 1


class ConfigError(BedrockError):
    status = 2


class CredentialsError(BedrockError):
    status = 3


class NetworkError(BedrockError, ConnectionError):
    status = 4


class BedrockTimeoutError(BedrockError, TimeoutError):
    status = 5


class ThrottledError(BedrockError):
    status = 6


class AccessDeniedError(BedrockError, PermissionError):
    status = 7


class ValidationError(BedrockError):
    status = 8


class NotFoundError(BedrockError):
    status = 9


class ModelError(BedrockError):
    status = 10


class ServiceError(BedrockError):
    status = 11


class ProtocolError(BedrockError):
    status = 12


class CancelledError(BedrockError):
    status = 13


class InternalError(BedrockError):
    status = 14


_BY_STATUS = {cls.status: cls for cls in BedrockError.__subclasses__()}
_RETRYABLE = {NetworkError.status, BedrockTimeoutError.status, ThrottledError.status, ServiceError.status}


def error_from_json(text: str) -> BedrockError:
    """The exception for a ``bedrock_error_json`` document."""
    info: dict[str, Any] = json.loads(text)
    status = int(info.get("status", InternalError.status))
    cls = _BY_STATUS.get(status, BedrockError)
    return cls(info.get("message", ""), status=status, error_type=info.get("error_type"),
               http_status=info.get("http_status"), request_id=info.get("request_id"),
               attempts=info.get("attempts"))
