"""Python binding for libbedrock, a native Amazon Bedrock Runtime client."""

from ._library import lib as _lib
from .client import Client
from .errors import (
    AccessDeniedError,
    BedrockError,
    BedrockTimeoutError,
    CancelledError,
    ConfigError,
    CredentialsError,
    InternalError,
    InvalidArgumentError,
    ModelError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    ServiceError,
    ThrottledError,
    ValidationError,
)

__version__ = _lib.bedrock_version().decode("ascii")

__all__ = [
    "Client", "BedrockError", "InvalidArgumentError", "ConfigError", "CredentialsError", "NetworkError",
    "BedrockTimeoutError", "ThrottledError", "AccessDeniedError", "ValidationError", "NotFoundError",
    "ModelError", "ServiceError", "ProtocolError", "CancelledError", "InternalError",
]
