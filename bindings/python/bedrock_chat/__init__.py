"""Python binding for libbedrock, a native Amazon Bedrock Runtime client.

``Client`` has blocking, streaming and asyncio forms of every runtime operation;
``bedrock_chat.langchain.ChatBedrockNative`` (with the ``langchain`` extra) is a LangChain
chat model built on it.
"""

from ._library import lib as _lib
from ._library import path as _library_path
from ._version import __version__
from .client import AsyncChatStream, ChatStream, Client, Request
from .errors import (
    AccessDeniedError,
    BedrockError,
    BedrockTimeoutError,
    CancelledError,
    ConfigError,
    CredentialsError,
    InternalError,
    InvalidArgumentError,
    LimitError,
    ModelError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    ServiceError,
    ThrottledError,
    ValidationError,
)


def library_version() -> str:
    """The version of the loaded libbedrock, "MAJOR.MINOR.PATCH"."""
    version: bytes = _lib.bedrock_version()
    return version.decode("ascii")


def library_path() -> str:
    """The file libbedrock was loaded from."""
    return str(_library_path)


__all__ = [
    "__version__", "library_version", "library_path",
    "Client", "ChatStream", "AsyncChatStream", "Request",
    "BedrockError", "InvalidArgumentError", "ConfigError", "CredentialsError", "NetworkError",
    "BedrockTimeoutError", "ThrottledError", "AccessDeniedError", "ValidationError", "NotFoundError",
    "ModelError", "ServiceError", "ProtocolError", "CancelledError", "InternalError", "LimitError",
]
