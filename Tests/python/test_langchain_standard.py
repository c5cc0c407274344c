"""LangChain's standard chat-model suites (the langchain-tests package) run on
ChatBedrockNative: the unit suite as it is, and the integration suite against the local
emulator.

The integration tests that need a real model's judgement (working out tool arguments from the
question, or deciding unprompted to call a tool) are deselected in conftest.py, each with its
reason (DESELECTED there). The emulator
answers deterministically; test_langchain_native.py covers the same behaviour with emulator
directives. Tests that download sample files (an image, a PDF) get the same kind of file from
local bytes: this machine has no internet access, and the emulator does not look inside them.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from bedrock_chat.langchain import ChatBedrockNative
from bedrock_testlib import emulator_aws_settings, langchain_reply

MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"
OTHER_MODEL_ID = "anthropic.claude-3-haiku-20240307-v1:0"

_emulator: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _emulator_for_the_integration_suite(request):
    # The suites' model parameters are properties, which cannot take fixtures: they read the
    # emulator's URL from here.
    if request.cls is not None and issubclass(request.cls, TestChatBedrockNativeIntegration):
        _emulator["url"] = request.getfixturevalue("emulator_url")


# ---- sample files for the tests that would download them -----------------------------------


def _png(width: int = 8, height: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([200, 30, 120]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


class _Downloaded:
    def __init__(self, content: bytes) -> None:
        self.content = content


@pytest.fixture(autouse=True)
def _offline_sample_files(monkeypatch):
    def get(url: str, *args: Any, **kwargs: Any) -> _Downloaded:
        if url.endswith(".png"):
            return _Downloaded(_png())
        if url.endswith(".pdf"):
            return _Downloaded(_pdf())
        raise AssertionError(f"unexpected download in a test: {url}")
    monkeypatch.setattr(httpx, "get", get)


# ---- the suites -----------------------------------------------------------------------------


class _Capabilities:
    """What ChatBedrockNative supports, for both standard suites."""

    @property
    def chat_model_class(self) -> type[ChatBedrockNative]:
        return ChatBedrockNative

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True  # with a schema, json_mode goes through response_schema too

    @property
    def model_override_value(self) -> str:
        return OTHER_MODEL_ID


class TestChatBedrockNativeUnit(_Capabilities, ChatModelUnitTests):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": MODEL_ID, "region_name": "us-east-1"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        # The standard unit parameters pass api_key="test"; a Bedrock API key also comes from
        # AWS_BEARER_TOKEN_BEDROCK, as in ChatBedrockConverse.
        return {"AWS_BEARER_TOKEN_BEDROCK": "test"}, {"model": MODEL_ID}, {"api_key": "test"}


class TestChatBedrockNativeIntegration(_Capabilities, ChatModelIntegrationTests):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": MODEL_ID, **emulator_aws_settings(_emulator["url"])}

    @property
    def supports_image_urls(self) -> bool:
        return False  # Bedrock takes image bytes (or S3 locations), not URLs

    @property
    def supports_audio_inputs(self) -> bool:
        return False  # Bedrock's chat APIs take no audio

    @property
    def supported_usage_metadata_details(self) -> dict[str, list[str]]:
        return {"invoke": ["cache_read_input", "cache_creation_input"],
                "stream": ["cache_read_input", "cache_creation_input"]}

    def _cached_prompt_call(self, *, stream: bool, calls: int) -> AIMessage:
        """Sends a prompt with a cache point `calls` times: the first writes the prefix to the
        cache, later ones read it. A fresh nonce makes the prefix new."""
        model = self.chat_model_class(**self.chat_model_params)
        system = SystemMessage(content=[{"type": "text", "text": f"Reference text {uuid.uuid4()}: " + "lorem " * 50},
                                        {"type": "cache_point"}])
        messages = [system, HumanMessage("What does the reference say?")]
        result: Any = None
        for _ in range(calls):
            result = langchain_reply(model, messages, stream)
        assert isinstance(result, AIMessage)
        return result

    def invoke_with_cache_creation_input(self, *, stream: bool = False) -> AIMessage:
        return self._cached_prompt_call(stream=stream, calls=1)

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        return self._cached_prompt_call(stream=stream, calls=2)


class TestChatBedrockNativeConverseIntegration(TestChatBedrockNativeIntegration):
    """The same suite through the Converse API (ChatBedrockConverse's path) for Claude."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "api": "converse"}


class TestChatBedrockNativeNovaIntegration(TestChatBedrockNativeIntegration):
    """The same suite for Amazon Nova, which the library sends through Converse."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "model": "us.amazon.nova-pro-v1:0"}

    @property
    def model_override_value(self) -> str:
        return "us.amazon.nova-lite-v1:0"
