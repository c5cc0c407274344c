"""LangChain chat model over libbedrock: ``ChatBedrockNative``.

Install with the extra: ``pip install "./bindings/python[langchain]"``. The model takes the
settings LangChain's ``ChatBedrock``/``ChatBedrockConverse`` take, sends each request through
the library's provider-independent chat API (which picks InvokeModel with the provider's own
format, or Converse, as ``api`` says), and supports streaming, asyncio, tool calling and
structured output::

    from bedrock_chat.langchain import ChatBedrockNative

    model = ChatBedrockNative(model="anthropic.claude-3-5-sonnet-20240620-v1:0", region_name="us-east-1")
    for chunk in model.stream("Tell me a story"):
        print(chunk.text, end="", flush=True)
"""

from __future__ import annotations

import base64
import json
import re
import threading
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal

try:
    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
    from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
    from langchain_core.messages import (
        AIMessage,
        AIMessageChunk,
        BaseMessage,
        ChatMessage,
        HumanMessage,
        SystemMessage,
        ToolMessage,
    )
    from langchain_core.messages.ai import InputTokenDetails, UsageMetadata
    from langchain_core.messages.tool import tool_call, tool_call_chunk
    from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
    from langchain_core.output_parsers.base import OutputParserLike
    from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
    from langchain_core.tools import BaseTool
    from langchain_core.utils import secret_from_env
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from langchain_core.utils.pydantic import is_basemodel_subclass
    from pydantic import ConfigDict, Field, PrivateAttr, SecretStr
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "bedrock_chat.langchain needs langchain-core: pip install 'bedrock-chat[langchain]'"
    ) from error

from .client import Client

__all__ = ["ChatBedrockNative", "convert_messages"]

_client_lock = threading.Lock()

# LangChain's own keyword arguments to a call, which are not request settings.
_NOT_SETTINGS = frozenset({"stream", "ls_structured_output_format", "disable_streaming"})
# Other names a call's keyword arguments may give a chat request member (ChatBedrockConverse's
# and ChatBedrock's), by the member's name.
_CALL_ALIASES = {"model_id": "model", "stop_sequences": "stop", "guardrails": "guardrail",
                 "guardrail_config": "guardrail", "additional_model_request_fields": "model_kwargs"}

# Bedrock document formats by MIME type (Converse DocumentBlock.format).
_DOCUMENT_FORMATS = {
    "application/pdf": "pdf", "text/csv": "csv", "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html", "text/plain": "txt", "text/markdown": "md",
}
# Amazon Nova's system tools, which Bedrock runs itself (Converse only).
_SYSTEM_TOOLS = frozenset({"nova_grounding", "nova_code_interpreter"})
# The members of Converse's own DocumentBlock.
_CONVERSE_DOCUMENT_MEMBERS = frozenset({"format", "name", "source", "context", "citations"})
# Image MIME types by the first bytes of their base64 text, for blocks that do not say.
_IMAGE_SIGNATURES = {"iVBORw0KGgo": "image/png", "/9j/": "image/jpeg", "R0lGOD": "image/gif", "UklGR": "image/webp"}
_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?);base64,(?P<data>.*)$", re.DOTALL)


class ChatBedrockNative(BaseChatModel):
    """An Amazon Bedrock chat model on libbedrock, a native (Swift) Bedrock client.

    Settings mirror LangChain's ``ChatBedrock`` and ``ChatBedrockConverse``: ``model``
    (``model_id``), ``region_name``, ``endpoint_url``, ``credentials_profile_name``,
    ``aws_access_key_id``/``aws_secret_access_key``/``aws_session_token``, ``api_key`` (a
    Bedrock API key, ``bedrock_api_key``, from ``AWS_BEARER_TOKEN_BEDROCK`` when not given),
    ``temperature``, ``max_tokens``, ``top_p``, ``top_k``, ``stop``, ``model_kwargs``,
    ``provider`` (for ARNs and custom model ids), ``guardrails``, ``timeout`` (seconds, the
    whole call) and ``max_retries``; and ChatBedrockConverse's ``system``,
    ``additional_model_request_fields``, ``additional_model_response_field_paths``,
    ``performance_config``, ``service_tier``, ``request_metadata``, ``base_model_id`` and
    ``supports_tool_choice_values``. ``api`` picks the Bedrock API: ``"auto"`` (InvokeModel
    with the provider's format, as ChatBedrock does, and Converse where that format cannot
    carry the request), ``"invoke"`` or ``"converse"``. ``client_config`` passes any other
    libbedrock config field (``connect_timeout_ms``, ``read_timeout_ms``, ``proxy``, ...),
    and ``client`` an existing ``bedrock_chat.Client`` to share. An argument it does not take
    is an error that names it (the package README lists ChatBedrockConverse's that it leaves out).

    Unset region, endpoint and credentials are resolved as boto3 resolves them (environment,
    ``~/.aws/config`` and ``~/.aws/credentials``).
    """

    # extra="forbid": a misspelt or unsupported setting is an error, not silently ignored.
    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, extra="forbid")

    model_id: str = Field(alias="model")
    """A model id, inference-profile id or ARN, e.g. ``anthropic.claude-3-5-sonnet-20240620-v1:0``."""
    provider: str | None = None
    """The model's provider (``anthropic``, ``amazon``, ``meta``, ...): needed only when the
    model id does not name it (ARNs, custom models)."""
    api: Literal["auto", "invoke", "converse"] = "auto"
    region_name: str | None = Field(default=None, alias="region")
    endpoint_url: str | None = Field(default=None, alias="base_url")
    credentials_profile_name: str | None = None
    aws_access_key_id: SecretStr | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("AWS_BEARER_TOKEN_BEDROCK", default=None), alias="bedrock_api_key")
    """A Bedrock API key, sent as ``Authorization: Bearer``."""
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    model_kwargs: dict[str, Any] | None = None
    """Provider-specific request fields: merged into the InvokeModel body, or sent as
    Converse's ``additionalModelRequestFields``."""
    additional_model_request_fields: dict[str, Any] | None = None
    """ChatBedrockConverse's name for ``model_kwargs``: merged over them (its members win)."""
    additional_model_response_field_paths: list[str] | None = None
    """JSON pointers into the model's own reply (e.g. ``["/stop_sequence"]``); their values come
    back in ``response_metadata["additionalModelResponseFields"]``. Converse only: with
    ``api="auto"`` they send the request through Converse."""
    system: list[str | dict[str, Any]] | None = None
    """System prompts (strings or content blocks) put before the messages' own."""
    base_model_id: str | None = Field(default=None, alias="base_model")
    """The foundation model behind ``model`` when its id does not say (an application
    inference profile ARN, a custom model), e.g. ``anthropic.claude-3-5-sonnet-20240620-v1:0``."""
    supports_tool_choice_values: Sequence[Literal["auto", "any", "tool"]] | None = None
    """The ``tool_choice`` kinds the model takes; ``bind_tools`` refuses any other. Unset, every
    kind is sent and Bedrock decides."""
    performance_config: dict[str, Any] | None = None
    """``{"latency": "standard" | "optimized"}``."""
    service_tier: Literal["priority", "default", "flex", "reserved"] | None = None
    """The tier to serve the call; the one that served it is in
    ``response_metadata["serviceTier"]`` when Bedrock says."""
    request_metadata: dict[str, str] | None = None
    output_config: dict[str, Any] | None = None
    """Converse's ``outputConfig`` members (``effort``, ...); a native schema adds ``textFormat``."""
    """Key-value pairs to filter invocation logs by."""
    guardrails: dict[str, Any] | None = Field(default=None, alias="guardrail_config")
    """``{"guardrailIdentifier", "guardrailVersion", "trace", "streamProcessingMode"}``
    (ChatBedrock's form) or ``{"id", "version", "trace", "stream_processing_mode"}``."""
    guard_last_turn_only: bool = False
    """Guard only the last user turn (its text in Converse guardContent blocks); needs
    ``guardrail_config``, and sends the request through Converse."""
    streaming: bool = False
    """Whether ``invoke`` streams under the hood (callbacks then see each token)."""
    timeout: float | None = None
    """Seconds the whole call may take (libbedrock ``timeout_ms``); None for no limit."""
    max_retries: int | None = None
    """Retries after the first attempt (libbedrock ``max_attempts`` - 1); default 2."""
    client_config: dict[str, Any] | None = None
    client: Client | None = Field(default=None, exclude=True)

    _owned_client: Client | None = PrivateAttr(default=None)

    # ---- LangChain plumbing -----------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "bedrock-native-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "base_model_id": self.base_model_id, "region_name": self.region_name,
                **self._model_settings(self.model_id)}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["bedrock_chat", "langchain"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"aws_access_key_id": "AWS_ACCESS_KEY_ID", "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
                "aws_session_token": "AWS_SESSION_TOKEN", "api_key": "AWS_BEARER_TOKEN_BEDROCK"}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(ls_provider="amazon_bedrock",
                                 ls_model_name=kwargs.get("model") or kwargs.get("model_id") or self.model_id,
                                 ls_model_type="chat")
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stop = stop or kwargs.get("stop") or self.stop
        if stop:
            params["ls_stop"] = list(stop)
        return params

    # ---- the client -------------------------------------------------------------------------

    def _get_client(self) -> Client:
        if self.client is not None:
            return self.client
        with _client_lock:
            if self._owned_client is None or self._owned_client.closed:
                self._owned_client = Client(self._client_settings())
            return self._owned_client

    def _client_settings(self) -> dict[str, Any]:
        config: dict[str, Any] = dict(self.client_config or {})
        if self.region_name:
            config["region"] = self.region_name
        if self.endpoint_url:
            config["endpoint_url"] = self.endpoint_url
        if self.credentials_profile_name:
            config["profile"] = self.credentials_profile_name
        if self.aws_access_key_id or self.aws_secret_access_key:
            if not (self.aws_access_key_id and self.aws_secret_access_key):
                raise ValueError("aws_access_key_id and aws_secret_access_key must be given together")
            credentials = {"access_key_id": self.aws_access_key_id.get_secret_value(),
                           "secret_access_key": self.aws_secret_access_key.get_secret_value()}
            if self.aws_session_token:
                credentials["session_token"] = self.aws_session_token.get_secret_value()
            config["credentials"] = credentials
        if self.api_key:
            config["bearer_token"] = self.api_key.get_secret_value()
        if self.timeout is not None:
            config["timeout_ms"] = int(self.timeout * 1000)
        if self.max_retries is not None:
            config["max_attempts"] = self.max_retries + 1
        return config

    # ---- requests ---------------------------------------------------------------------------

    def _request(self, messages: Sequence[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The chat request (docs/c-api.md) for ``messages`` and one call's keyword arguments,
        which override the model's settings (``model_kwargs`` are merged)."""
        call = _call_settings(kwargs)
        if stop is not None:
            call["stop"] = stop
        model = call.pop("model", self.model_id)
        system = [SystemMessage(content=list(self.system))] if self.system else []
        request: dict[str, Any] = {"model": model, "messages": convert_messages([*system, *messages]),
                                   **self._model_settings(model)}
        model_kwargs = {**request.pop("model_kwargs", {}), **call.pop("model_kwargs", {})}
        if model_kwargs:
            request["model_kwargs"] = model_kwargs
        request.update(call)
        return request

    def _model_settings(self, model: str) -> dict[str, Any]:
        """The model's own settings for a request to ``model``, by the chat request's names;
        unset ones left out."""
        # The base model belongs to this model's own id, not to one a call switched to.
        base_model = self.base_model_id if model == self.model_id else None
        settings = {
            "provider": self.provider, "base_model": base_model, "api": self.api, "temperature": self.temperature,
            "max_tokens": self.max_tokens, "top_p": self.top_p, "top_k": self.top_k, "stop": self.stop or None,
            "model_kwargs": {**(self.model_kwargs or {}), **(self.additional_model_request_fields or {})} or None,
            "guardrail": _guardrail(self.guardrails, self.guard_last_turn_only), "service_tier": self.service_tier,
            "performance_config": self.performance_config, "request_metadata": self.request_metadata,
            "additional_model_response_field_paths": self.additional_model_response_field_paths,
            "output_config": self.output_config}
        return {name: value for name, value in settings.items() if value is not None}

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """The input tokens of ``messages`` (and ``tools``), counted by Bedrock's CountTokens for
        the request this model would send, as ChatBedrockConverse counts them."""
        request = self._request(messages, None, {"tools": _request_tools(tools, None)} if tools else {})
        return int(self._get_client().chat_count_tokens(request)["input_tokens"])

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        response = self._get_client().chat(self._request(messages, stop, kwargs))
        return _chat_result(response)

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        response = await self._get_client().achat(self._request(messages, stop, kwargs))
        return _chat_result(response)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs)
        chunks = _ChunkMaker()
        with self._get_client().chat_stream(request) as stream:
            for event in stream:
                chunk = chunks.from_event(event)
                if chunk is not None:
                    yield ChatGenerationChunk(message=chunk)

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs)
        chunks = _ChunkMaker()
        async with self._get_client().achat_stream(request) as stream:
            async for event in stream:
                chunk = chunks.from_event(event)
                if chunk is not None:
                    yield ChatGenerationChunk(message=chunk)

    # ---- tools and structured output --------------------------------------------------------

    def bind_tools(self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool | str], *,
                   tool_choice: dict[str, Any] | str | bool | None = None,
                   **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """Offers ``tools`` (dicts in OpenAI, Anthropic or JSON-schema form, pydantic models,
        TypedDicts, functions, or ``BaseTool``s) to the model, and Amazon Nova's system tools
        (``"nova_grounding"``, ``"nova_code_interpreter"``, or langchain-aws's
        ``NovaGroundingTool()``/``NovaCodeInterpreterTool()``), which Bedrock runs itself.
        ``tool_choice`` is ``"auto"``, ``"any"`` (or ``"required"``/``True``), ``"none"``, or a
        tool's name; one whose kind is not in ``supports_tool_choice_values`` (when set) is
        refused, as ChatBedrockConverse refuses it."""
        request_tools = _request_tools(tools, kwargs.pop("strict", None))
        formatted = [tool for tool in request_tools if tool.get("type") != "system_tool"]
        system_tools = request_tools[len(formatted):]
        choice = _tool_choice(tool_choice)
        if choice is not None:
            self._check_tool_choice(choice)
            if system_tools and not formatted and choice not in ("auto", "none") \
                    and "nova" in (self.base_model_id or self.model_id).lower():
                # Bedrock cannot be made to call a tool it runs itself; ChatBedrockConverse
                # downgrades the same way.
                kind = "tool" if isinstance(choice, Mapping) else choice
                warnings.warn(f"tool_choice={kind} is not supported when using only systemTools. "
                              "Downgrading to tool_choice='auto'.", stacklevel=2)
                choice = "auto"
            kwargs["tool_choice"] = choice
        if system_tools:
            # As ChatBedrockConverse binds it, which says Bedrock does not stream system tools properly.
            kwargs["disable_streaming"] = True
        return self.bind(tools=request_tools, **kwargs)

    def _check_tool_choice(self, choice: str | dict[str, str]) -> None:
        if self.supports_tool_choice_values is None or choice == "none":
            return  # "none" forces nothing; Converse has no such kind to refuse
        kind = "tool" if isinstance(choice, Mapping) else choice
        if kind not in self.supports_tool_choice_values:
            raise ValueError(f"model {self.model_id} does not support tool_choice of type {kind!r}; "
                             f"supports_tool_choice_values is {list(self.supports_tool_choice_values)}")

    def with_structured_output(self, schema: dict[str, Any] | type | None = None, *, include_raw: bool = False,
                               method: Literal["function_calling", "json_schema", "json_mode"] = "function_calling",
                               strict: bool | None = None,
                               **kwargs: Any) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """A runnable that returns ``schema``'s type (a pydantic model's instance, or a dict
        for a TypedDict or JSON schema). The schema goes to the library as the request's
        ``response_schema``. ``method="json_schema"`` asks for Bedrock's native structured
        output (Converse's ``outputConfig``), as ChatBedrockConverse does, and the reply's text
        is the value; ``function_calling`` and ``json_mode`` make the model answer through a
        forced tool named by the schema's title (while thinking is on, the library uses the
        native form instead, since Claude refuses a forced tool then). ``json_mode`` without
        a schema parses the reply's text as JSON. ``include_raw=True`` returns ``{"raw",
        "parsed", "parsing_error"}``."""
        if kwargs:
            raise ValueError(f"unsupported arguments: {sorted(kwargs)}")
        if method not in ("function_calling", "json_schema", "json_mode"):
            raise ValueError(f"method must be function_calling, json_schema or json_mode, not {method!r}")
        parser: OutputParserLike[Any]
        if schema is None:
            if method != "json_mode":
                raise ValueError("with_structured_output needs a schema, except with method='json_mode'")
            llm: Runnable[LanguageModelInput, Any] = self
            parser = JsonOutputParser()
        else:
            function = convert_to_openai_tool(schema)["function"]
            name = function["name"]
            response_schema: dict[str, Any] = {**(function.get("parameters") or {"type": "object", "properties": {}}),
                                               "title": name}
            if function.get("description"):
                response_schema["description"] = function["description"]
            native = method == "json_schema"
            if native:
                # As ChatBedrockConverse sends it: the model's own JSON Schema, titles kept.
                response_schema = _own_json_schema(schema) or response_schema
            llm = self.bind(response_schema=response_schema,
                            response_schema_method="json_schema" if native else "auto",
                            ls_structured_output_format={"kwargs": {"method": method, "strict": strict},
                                                         "schema": schema})
            parser = _structured_parser(schema, name, native)
        if not include_raw:
            return llm | parser
        parse = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        no_parse = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parse.with_fallbacks([no_parse], exception_key="parsing_error")


# ---- LangChain messages to chat requests ----------------------------------------------------


def convert_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages as the chat request's ``messages`` (docs/c-api.md)."""
    names = _DocumentNames()
    converted = []
    for message in messages:
        item = _message(message, names)
        if item is not None:
            converted.append(item)
    return converted


def _message(message: BaseMessage, names: _DocumentNames) -> dict[str, Any] | None:
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": _content(message.content, names)}
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": _content(message.content, names)}
    if isinstance(message, AIMessage):
        return _assistant_message(message, names)
    if isinstance(message, ToolMessage):
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": _content(message.content, names),
                "is_error": message.status == "error"}
    if isinstance(message, ChatMessage):
        role = {"human": "user", "ai": "assistant"}.get(message.role, message.role)
        if role not in ("system", "user", "assistant"):
            raise ValueError(f"ChatMessage role {message.role!r} is not one of system, user, assistant")
        return {"role": role, "content": _content(message.content, names, assistant=role == "assistant")}
    raise ValueError(f"unsupported message type {type(message).__name__}")


def _assistant_message(message: AIMessage, names: _DocumentNames) -> dict[str, Any] | None:
    content = _content(message.content, names, assistant=True)
    calls = [{"id": call.get("id") or f"call_{index}", "name": call["name"], "args": call.get("args") or {}}
             for index, call in enumerate(message.tool_calls)]
    if not calls and isinstance(message.content, list):
        # Tool calls that live only in the content (Anthropic's tool_use, v1 tool_call).
        for block in message.content:
            if isinstance(block, Mapping) and block.get("type") in ("tool_use", "tool_call") and block.get("name"):
                calls.append({"id": block.get("id") or f"call_{len(calls)}", "name": block["name"],
                              "args": block.get("input", block.get("args")) or {}})
    if not calls and (not content or (isinstance(content, str) and not content.strip())):
        return None  # nothing to send: Bedrock rejects an empty turn
    result: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        result["tool_calls"] = calls
    return result


def _content(content: str | list[Any], names: _DocumentNames, *, assistant: bool = False) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    blocks: list[dict[str, Any]] = []
    for block in content:
        blocks.extend(_block(block, names, assistant))
    return blocks


def _block(block: Any, names: _DocumentNames, assistant: bool) -> list[dict[str, Any]]:
    """One LangChain content block (standard v1, legacy v0, OpenAI, Anthropic or Converse
    form) as chat request blocks."""
    if isinstance(block, str):
        return [{"type": "text", "text": block}]
    if not isinstance(block, Mapping):
        raise ValueError(f"unsupported content block {block!r}")
    kind = block.get("type")
    converted: list[dict[str, Any]]
    if kind == "text" or (kind is None and isinstance(block.get("text"), str)):
        converted = [{"type": "text", "text": block.get("text", "")}]
    elif kind == "text-plain":
        converted = [{"type": "text", "text": block.get("text", "")}]
    elif kind in ("image", "image_url"):
        converted = [_image(block)]
    elif kind in ("file", "document"):
        converted = [_file(block, names)]
    elif kind in ("reasoning", "thinking", "reasoning_content"):
        converted = _reasoning(block) if assistant else []
    elif kind in ("tool_use", "tool_call", "tool_call_chunk", "invalid_tool_call"):
        return []  # sent from the message's tool_calls
    elif kind in ("server_tool_use", "server_tool_call"):
        converted = [_server_tool_use(block)]
    elif kind == "server_tool_result" or (kind == "tool_result" and assistant):
        # A tool result in an assistant turn is one Bedrock ran itself (ChatBedrockConverse
        # gives Converse's server tool results the type tool_result).
        converted = [_server_tool_result(block)]
    elif kind == "tool_result":
        converted = [{"type": "tool_result", "tool_use_id": block["tool_use_id"],
                      "content": _content(block.get("content") or [], names),
                      "is_error": bool(block.get("is_error"))}]
    elif kind == "cache_point" or "cachePoint" in block:
        return [{"type": "cache_point"}]
    elif kind == "non_standard" and isinstance(block.get("value"), Mapping):
        return _block(block["value"], names, assistant)
    elif kind in ("audio", "video"):
        converted = [_media(block, kind)]
    elif kind == "input_audio":
        raise ValueError("input_audio (OpenAI's form) is not supported: give a standard audio block with base64 data")
    else:
        raise ValueError(f"unsupported content block type {kind!r}")
    if block.get("cache_control"):
        converted.append({"type": "cache_point"})
    return converted


def _server_tool_use(block: Mapping[str, Any]) -> dict[str, Any]:
    """A call of a tool Bedrock ran itself, as the reply gave it (``input``) or as LangChain's
    standard ``server_tool_call`` (``args``), as the request's ``server_tool_use`` block."""
    arguments = block.get("input", block.get("args"))
    if isinstance(arguments, str):  # ChatBedrockConverse's streamed form: the input's JSON text
        arguments = json.loads(arguments) if arguments.strip() else {}
    return {"type": "server_tool_use", "id": block["id"], "name": block["name"], "input": arguments or {}}


def _server_tool_result(block: Mapping[str, Any]) -> dict[str, Any]:
    """The result of a tool Bedrock ran itself, as the reply gave it (``tool_use_id``,
    ``is_error``, ``content`` blocks, ``tool_type``) or as LangChain's standard
    ``server_tool_result`` (``tool_call_id``, ``status``, ``output``, ``extras.tool_type``), as
    the request's ``server_tool_result`` block, whose content is Converse's list again."""
    if "tool_call_id" in block:  # the standard form
        output = block.get("output")
        content = [] if output is None else [{"text": output} if isinstance(output, str) else {"json": output}]
        return {"type": "server_tool_result", "tool_use_id": block["tool_call_id"],
                "tool_type": (block.get("extras") or {}).get("tool_type"),
                "is_error": block.get("status") == "error", "content": content}
    return {"type": "server_tool_result", "tool_use_id": block["tool_use_id"], "tool_type": block.get("tool_type"),
            "is_error": bool(block.get("is_error")),
            "content": [_converse_tool_result_part(part) for part in block.get("content") or []]}


def _converse_tool_result_part(part: Any) -> dict[str, Any]:
    """One block of a server tool result's content (see ``_lc_tool_result_part``) as Converse's."""
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind in ("json", "text"):
        return {kind: part[kind]}
    if kind == "non_standard":
        return dict(part["value"])
    if isinstance(part, Mapping) and kind is None:  # Converse's own form
        return dict(part)
    raise ValueError(f"unsupported server tool result content {kind or type(part).__name__!r}")


def _s3(block: Mapping[str, Any]) -> dict[str, Any] | None:
    """A block's S3 source (a standard block's ``url`` that is ``s3://...``) as the request's
    ``s3`` member, with the bucket owner from ``extras``; None for other sources."""
    url = block.get("url")
    if not (isinstance(url, str) and url.startswith("s3://")):
        return None
    s3 = {"uri": url}
    owner = (block.get("extras") or {}).get("bucket_owner") or (block.get("extras") or {}).get("bucketOwner")
    if owner:
        s3["bucket_owner"] = owner
    return s3


def _media(block: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """A standard video or audio block: base64 data, or an ``s3://`` url, with its MIME type."""
    mime = str(block.get("mime_type") or "")
    if "/" not in mime:
        raise ValueError(f"a {kind} block needs its mime_type, such as {kind}/mp4")
    media = {"type": kind, "format": mime.split("/", 1)[1].split(";")[0]}
    if (s3 := _s3(block)) is not None:
        return {**media, "s3": s3}
    data = block.get("base64") or (block.get("data") if block.get("source_type") == "base64" else None)
    if not data:
        raise ValueError(f"a {kind} block needs base64 data or an s3:// url")
    return {**media, "data": data}


def _image(block: Mapping[str, Any]) -> dict[str, Any]:
    mime: str | None = block.get("mime_type")
    data: str | None = None
    if (s3 := _s3(block)) is not None:
        if not mime:
            raise ValueError("an image from S3 needs its mime_type, such as image/png")
        return {"type": "image", "media_type": mime, "s3": s3}
    if block.get("type") == "image_url":
        url = block["image_url"]["url"] if isinstance(block.get("image_url"), Mapping) else block.get("image_url")
        mime, data = _data_url(str(url), "image")
    elif isinstance(block.get("source"), Mapping):  # Anthropic
        source = block["source"]
        if source.get("type") != "base64":
            raise ValueError("Bedrock takes images as bytes: pass base64 data, not an image URL")
        mime, data = source.get("media_type"), source.get("data")
    elif block.get("base64") or (block.get("source_type") == "base64" and block.get("data")):
        data = block.get("base64") or block.get("data")
    elif block.get("url"):
        mime, data = _data_url(str(block["url"]), "image")
    else:
        raise ValueError("an image block needs base64 data (Bedrock takes no image URLs or file ids)")
    if not data:
        raise ValueError("an image block needs base64 data")
    mime = mime or _sniff_image_type(data)
    return {"type": "image", "media_type": mime, "data": data}


def _file(block: Mapping[str, Any], names: _DocumentNames) -> dict[str, Any]:
    """A file or document block as the request's document (an image file as its image). As
    ChatBedrockConverse takes them: Converse's own DocumentBlock in ``document``, and
    ``citations`` (``{"enabled": true}``) on a file; and Anthropic's document ``context``."""
    native = block.get("document")
    if isinstance(native, Mapping):
        converted, options = _converse_document(native, names), native
    else:
        converted, options = _file_source(block, names), block
    if converted["type"] == "document":
        citations = options.get("citations")  # {"enabled": true}, or the chat request's true
        if (citations.get("enabled") if isinstance(citations, Mapping) else citations) is True:
            converted["citations"] = True
        if options.get("context"):
            converted["context"] = options["context"]
    return converted


def _converse_document(document: Mapping[str, Any], names: _DocumentNames) -> dict[str, Any]:
    """Converse's DocumentBlock (``format``, ``name``, ``source``, ``context``, ``citations``)
    as the request's document, less the context and citations, which ``_file`` adds."""
    unknown = sorted(set(document) - _CONVERSE_DOCUMENT_MEMBERS)
    if unknown:
        raise ValueError(f"unsupported Converse document member(s) {', '.join(unknown)} "
                         f"(it takes {', '.join(sorted(_CONVERSE_DOCUMENT_MEMBERS))})")
    source = document.get("source")
    if not isinstance(source, Mapping) or len(source) != 1:
        raise ValueError("a Converse document needs a source with one of bytes, text, content or s3Location")
    converted: dict[str, Any] = {"type": "document", "name": names.take(document.get("name"))}
    if document.get("format"):
        converted["format"] = document["format"]
    kind, value = next(iter(source.items()))
    if kind == "bytes":
        converted["data"] = base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else value
    elif kind == "text":
        converted["text"] = value
    elif kind == "content":
        if not all(isinstance(part, Mapping) and set(part) == {"text"} for part in value):
            raise ValueError("a Converse document's content source takes only {\"text\": ...} blocks")
        converted["content"] = [part["text"] for part in value]
    elif kind == "s3Location":
        if not value.get("uri"):
            raise ValueError("a Converse document's s3Location needs its uri")
        converted["s3"] = {"uri": value["uri"]}
        if value.get("bucketOwner"):
            converted["s3"]["bucket_owner"] = value["bucketOwner"]
    else:
        raise ValueError(f"unsupported Converse document source {kind!r} (use bytes, text, content or s3Location)")
    return converted


def _file_source(block: Mapping[str, Any], names: _DocumentNames) -> dict[str, Any]:
    if block.get("type") == "document" and "format" in block and "data" in block:
        return {"type": "document", "format": block["format"], "name": names.take(block.get("name")),
                "data": block["data"]}
    mime: str | None = block.get("mime_type")
    filename: str | None = block.get("filename") or (block.get("extras") or {}).get("filename") or block.get("title")
    data: str | None = None
    if (s3 := _s3(block)) is not None:
        document_format = _DOCUMENT_FORMATS.get((mime or "").split(";")[0].strip().lower())
        if document_format is None:
            raise ValueError(f"a document from S3 needs a mime_type Bedrock takes, not {mime!r}")
        return {"type": "document", "format": document_format, "name": names.take(filename), "s3": s3}
    if isinstance(block.get("file"), Mapping):  # OpenAI: {"file": {"filename", "file_data": "data:..."}}
        file = block["file"]
        filename = filename or file.get("filename")
        mime, data = _data_url(str(file.get("file_data", "")), "file")
    elif isinstance(block.get("source"), Mapping):  # Anthropic document
        source = block["source"]
        if source.get("type") == "text":
            mime, data = "text/plain", base64.b64encode(str(source.get("data", "")).encode()).decode()
        elif source.get("type") == "base64":
            mime, data = source.get("media_type"), source.get("data")
        else:
            raise ValueError("Bedrock takes documents as bytes: pass base64 data")
    elif block.get("base64") or (block.get("source_type") == "base64" and block.get("data")):
        data = block.get("base64") or block.get("data")
    elif block.get("url"):
        mime, data = _data_url(str(block["url"]), "file")
    else:
        raise ValueError("a file block needs base64 data (Bedrock takes no file URLs or file ids)")
    if mime and mime.startswith("image/"):
        return {"type": "image", "media_type": mime, "data": data}
    document_format = _DOCUMENT_FORMATS.get((mime or "").split(";")[0].strip().lower())
    if document_format is None:
        raise ValueError(f"unsupported document type {mime!r} (Bedrock takes {', '.join(sorted(_DOCUMENT_FORMATS))})")
    return {"type": "document", "format": document_format, "name": names.take(filename), "data": data}


def _reasoning(block: Mapping[str, Any]) -> list[dict[str, Any]]:
    kind = block.get("type")
    signature: str | None
    if kind == "thinking":  # Anthropic
        text, signature = block.get("thinking", ""), block.get("signature")
    elif kind == "reasoning_content":  # ChatBedrockConverse
        inner = block.get("reasoning_content") or {}
        text, signature = inner.get("text", ""), inner.get("signature")
    else:  # standard v1
        text = block.get("reasoning", "")
        signature = block.get("signature") or (block.get("extras") or {}).get("signature")
    if not text and not signature:
        return []
    result: dict[str, Any] = {"type": "reasoning", "text": text or ""}
    if signature:
        result["signature"] = signature
    return [result]


def _data_url(url: str, what: str) -> tuple[str | None, str]:
    match = _DATA_URL.match(url)
    if match is None:
        raise ValueError(f"Bedrock takes {what}s as bytes: pass a base64 data URL or base64 data, not {url[:60]!r}")
    return match.group("mime"), match.group("data")


def _sniff_image_type(data: str) -> str:
    for prefix, mime in _IMAGE_SIGNATURES.items():
        if data.startswith(prefix):
            return mime
    raise ValueError("an image block needs its mime_type (it is not PNG, JPEG, GIF or WebP)")


class _DocumentNames:
    """Bedrock document names: letters, digits, single spaces, hyphens, parentheses and
    brackets, unique within a request."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, filename: str | None) -> str:
        stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename or "")
        name = re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9\s\-()\[\]]", "-", stem)).strip() or "document"
        candidate, number = name, 1
        while candidate in self._used:
            number += 1
            candidate = f"{name}-{number}"
        self._used.add(candidate)
        return candidate


def _own_json_schema(schema: Any) -> dict[str, Any] | None:
    """A pydantic model's JSON Schema, or a JSON Schema dict as given; None for other kinds."""
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return dict(schema.model_json_schema())
    if isinstance(schema, Mapping) and "properties" in schema:
        return dict(schema)
    return None


def _structured_parser(schema: Any, name: str, native: bool) -> OutputParserLike[Any]:
    """Reads the structured value from the reply: the forced tool's input, or with native
    output the reply's text, which is the value as JSON."""
    if not native:
        if isinstance(schema, type) and is_basemodel_subclass(schema):
            return PydanticToolsParser(tools=[schema], first_tool_only=True)
        return JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return PydanticOutputParser(pydantic_object=schema)
    return JsonOutputParser()


def _call_settings(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A call's keyword arguments as chat request members; unset ones left out. A name the
    request does not know goes to the library as it is, which rejects it by name."""
    settings: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    for name, value in kwargs.items():
        if value is None or name in _NOT_SETTINGS:
            continue
        member = _CALL_ALIASES.get(name, name)
        if member in given_as:
            raise ValueError(f"{given_as[member]} and {name} both set the request's {member}: give one")
        given_as[member] = name
        settings[member] = value
    if "guardrail" in settings:
        settings["guardrail"] = _guardrail(settings["guardrail"])
    return settings


def _tool_spec(tool: Any) -> dict[str, Any]:
    function = convert_to_openai_tool(tool)["function"]
    spec: dict[str, Any] = {"name": function["name"],
                            "input_schema": function.get("parameters") or {"type": "object", "properties": {}}}
    if function.get("description"):
        spec["description"] = function["description"]
    return spec


def _request_tools(tools: Sequence[Any], strict: bool | None) -> list[dict[str, Any]]:
    """``tools`` as the chat request's: specs (with ``strict`` when given) and cache points in
    order, then the system tools, where ChatBedrockConverse puts them."""
    formatted: list[dict[str, Any]] = []
    system_tools: list[dict[str, Any]] = []
    for tool in tools:
        if (name := _system_tool_name(tool)) is not None:
            system_tools.append({"type": "system_tool", "name": name})
        elif isinstance(tool, Mapping) and (tool.get("type") == "cache_point" or "cachePoint" in tool):
            formatted.append({"type": "cache_point"})
        else:
            formatted.append(_tool_spec(tool) if strict is None else {**_tool_spec(tool), "strict": strict})
            if isinstance(tool, Mapping) and tool.get("cache_control"):
                formatted.append({"type": "cache_point"})
    return formatted + system_tools


def _system_tool_name(tool: Any) -> str | None:
    """The name of the Nova system tool ``tool`` stands for (its name, or langchain-aws's
    ``NovaSystemTool``, recognized by its ``to_bedrock_format()`` so that langchain-aws is not
    needed); None for any other tool."""
    if isinstance(tool, str):
        return tool if tool in _SYSTEM_TOOLS else None
    # A class's to_bedrock_format is unbound: only an instance can say its name.
    to_bedrock_format = None if isinstance(tool, type) else getattr(tool, "to_bedrock_format", None)
    converse = to_bedrock_format() if callable(to_bedrock_format) else None
    system_tool = converse.get("systemTool") if isinstance(converse, Mapping) else None
    return system_tool.get("name") if isinstance(system_tool, Mapping) else None


def _tool_choice(choice: dict[str, Any] | str | bool | None) -> str | dict[str, str] | None:
    if choice is None or choice is False:
        return None
    if choice is True:
        return "any"
    if isinstance(choice, str):
        if choice in ("auto", "any", "none"):
            return choice
        return "any" if choice == "required" else {"name": choice}
    if isinstance(choice, Mapping):
        kind = choice.get("type")
        if kind == "function" and isinstance(choice.get("function"), Mapping):
            return {"name": choice["function"]["name"]}
        if kind in ("auto", "any", "none"):
            return str(kind)
        if isinstance(choice.get("tool"), Mapping):  # Converse {"tool": {"name"}}
            return {"name": choice["tool"]["name"]}
        if choice.get("name"):
            return {"name": choice["name"]}
    raise ValueError(f"unsupported tool_choice {choice!r}")


def _guardrail(config: Mapping[str, Any] | None, last_turn_only: bool = False) -> dict[str, Any] | None:
    if not config:
        if last_turn_only:
            raise ValueError("guard_last_turn_only=True needs a guardrail_config")
        return None
    identifier = config.get("id") or config.get("guardrailIdentifier") or config.get("guardrail_identifier")
    version = config.get("version") or config.get("guardrailVersion") or config.get("guardrail_version")
    if not identifier or not version:
        raise ValueError("guardrails: a guardrail needs its id and version")
    guardrail = {"id": str(identifier), "version": str(version)}
    trace = config.get("trace")
    if trace is True:
        guardrail["trace"] = "enabled"
    elif isinstance(trace, str) and trace:
        guardrail["trace"] = trace.lower()
    mode = config.get("stream_processing_mode") or config.get("streamProcessingMode")
    if mode:
        guardrail["stream_processing_mode"] = str(mode)
    if last_turn_only:
        guardrail["guard_last_turn_only"] = True
    return guardrail


# ---- chat responses to LangChain messages ---------------------------------------------------


def _chat_result(response: dict[str, Any]) -> ChatResult:
    message = AIMessage(content=_response_content(response), tool_calls=_tool_calls(response),
                        usage_metadata=_usage_metadata(response.get("usage") or {}),
                        response_metadata=_response_metadata(response))
    return ChatResult(generations=[ChatGeneration(message=message)])


def _response_content(response: dict[str, Any]) -> str | list[str | dict[str, Any]]:
    """The reply's text, or its blocks when it holds reasoning (to send back with its
    signature in the next turn), citations (as LangChain's citation annotations) or tools
    Bedrock ran itself (their calls and results, as ChatBedrockConverse gives them)."""
    blocks = response.get("blocks") or []
    if not any(block.get("type") in ("reasoning", "server_tool_use", "server_tool_result") or block.get("citations")
               for block in blocks):
        return str(response.get("content") or "")
    content: list[str | dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "text":
            text: dict[str, Any] = {"type": "text", "text": block["text"]}
            if block.get("citations"):
                text["annotations"] = [_citation_annotation(citation) for citation in block["citations"]]
            content.append(text)
        elif block.get("type") == "reasoning":
            reasoning: dict[str, Any] = {"type": "reasoning", "reasoning": block.get("text") or ""}
            if block.get("signature"):
                reasoning["extras"] = {"signature": block["signature"]}
            content.append(reasoning)
        elif block.get("type") == "server_tool_use":
            content.append(_lc_server_tool_use(block))
        elif block.get("type") == "server_tool_result":
            content.append(_lc_server_tool_result(block))
    return content


def _lc_server_tool_use(block: Mapping[str, Any]) -> dict[str, Any]:
    """A call of a tool Bedrock ran itself, as a content block (not a tool call: there is
    nothing for the caller to run)."""
    return {"type": "server_tool_use", "id": block["id"], "name": block["name"], "input": block.get("input") or {}}


def _lc_server_tool_result(block: Mapping[str, Any]) -> dict[str, Any]:
    """The result of a tool Bedrock ran itself, as a content block. ``tool_type`` (Converse's
    toolResult type) is kept to send the result back in later turns."""
    result: dict[str, Any] = {"type": "server_tool_result", "tool_use_id": block["tool_use_id"],
                              "is_error": bool(block.get("is_error")),
                              "content": [_lc_tool_result_part(part) for part in block.get("content") or []]}
    if block.get("tool_type") is not None:
        result["tool_type"] = block["tool_type"]
    return result


def _lc_tool_result_part(part: Mapping[str, Any]) -> dict[str, Any]:
    """One item of Converse's tool result content as ChatBedrockConverse gives it (``{"type":
    "json", "json"}``, ``{"type": "text", "text"}``); another kind kept whole, so that it goes
    back unchanged."""
    if len(part) == 1 and ("json" in part or "text" in part):
        kind = next(iter(part))
        return {"type": kind, kind: part[kind]}
    return {"type": "non_standard", "value": dict(part)}


def _citation_annotation(citation: Mapping[str, Any]) -> dict[str, Any]:
    """A Converse citation as LangChain's standard citation annotation: the title, the cited
    text, and the character span where Bedrock gives one; the whole citation in ``extras``."""
    annotation: dict[str, Any] = {"type": "citation", "extras": dict(citation)}
    if citation.get("title"):
        annotation["title"] = citation["title"]
    cited = "".join(part.get("text", "") for part in citation.get("sourceContent") or [])
    if cited:
        annotation["cited_text"] = cited
    span = (citation.get("location") or {}).get("documentChar")
    if isinstance(span, Mapping):
        annotation["start_index"], annotation["end_index"] = span.get("start"), span.get("end")
    return annotation


def _tool_calls(response: dict[str, Any]) -> list[Any]:
    return [tool_call(name=call["name"], args=call.get("args") or {}, id=call.get("id"))
            for call in response.get("tool_calls") or []]


def _usage_metadata(usage: Mapping[str, Any]) -> UsageMetadata:
    """LangChain counts cached prompt tokens in ``input_tokens`` (with ``input_token_details``
    saying how many were read from or written to the cache); Bedrock reports them apart."""
    cache_read = int(usage.get("cache_read_input_tokens") or 0)
    cache_write = int(usage.get("cache_write_input_tokens") or 0)
    input_tokens = int(usage.get("input_tokens") or 0) + cache_read + cache_write
    output_tokens = int(usage.get("output_tokens") or 0)
    return UsageMetadata(input_tokens=input_tokens, output_tokens=output_tokens,
                         total_tokens=input_tokens + output_tokens,
                         input_token_details=InputTokenDetails(cache_read=cache_read, cache_creation=cache_write))


def _response_metadata(response: dict[str, Any]) -> dict[str, Any]:
    metadata = {"model_provider": "bedrock_native", "model_name": response.get("model_id"),
                "model_id": response.get("model_id"), "stop_reason": response.get("stop_reason"),
                "provider_stop_reason": response.get("provider_stop_reason"),
                "request_id": response.get("request_id"), "api": response.get("api")}
    if response.get("trace") is not None:
        metadata["trace"] = response["trace"]
    # Under ChatBedrockConverse's names and in its shapes: it passes Converse's members through.
    if response.get("additional_model_response_fields") is not None:
        metadata["additionalModelResponseFields"] = response["additional_model_response_fields"]
    if response.get("service_tier"):
        metadata["serviceTier"] = {"type": response["service_tier"]}
    return metadata


class _ChunkMaker:
    """Turns chat stream events into ``AIMessageChunk``s: text, reasoning and the tools
    Bedrock runs itself as content blocks keyed by the reply's block index, tool calls as
    ``tool_call_chunks``, and the last event as a final chunk carrying usage and metadata (and
    what arrives only with the whole message: reasoning signatures, and the parsed input of
    each server tool call, whose JSON text streams as ``partial_json`` as in Anthropic's
    ``server_tool_use`` blocks)."""

    def __init__(self) -> None:
        self._reasoning_indexes: list[int] = []
        self._server_tool_indexes: dict[str, int] = {}  # by server tool call id
        self._highest_index = -1

    def from_event(self, event: dict[str, Any]) -> AIMessageChunk | None:
        kind = event.get("type")
        index = event.get("index")
        if isinstance(index, int):
            self._highest_index = max(self._highest_index, index)
        if kind == "text":
            return AIMessageChunk(content=[{"type": "text", "text": event["text"], "index": index}])
        if kind == "reasoning":
            if index not in self._reasoning_indexes:
                self._reasoning_indexes.append(index)  # type: ignore[arg-type]
            return AIMessageChunk(content=[{"type": "reasoning", "reasoning": event["text"], "index": index}])
        if kind == "tool_call_start":
            return AIMessageChunk(content=[], tool_call_chunks=[
                tool_call_chunk(name=event["name"], args="", id=event["id"], index=index)])
        if kind == "tool_call_delta":
            return AIMessageChunk(content=[], tool_call_chunks=[
                tool_call_chunk(name=None, args=event["args"], id=None, index=index)])
        if kind == "citation":
            return AIMessageChunk(content=[{"type": "text", "text": "", "index": index,
                                            "annotations": [_citation_annotation(event["citation"])]}])
        if kind == "server_tool_call_start":
            self._server_tool_indexes[event["id"]] = index  # type: ignore[assignment]
            return AIMessageChunk(content=[{**_lc_server_tool_use(event), "index": index}])
        if kind == "server_tool_call_delta":
            return AIMessageChunk(content=[{"type": "server_tool_use", "partial_json": event["args"], "index": index}])
        if kind == "server_tool_result":
            return AIMessageChunk(content=[{**_lc_server_tool_result(event), "index": index}])
        if kind == "server_tool_result_delta":
            return AIMessageChunk(content=[{"type": "server_tool_result", "index": index,
                                            "content": [_lc_tool_result_part(part) for part in event["content"]]}])
        if kind == "message":
            return self._last(event["message"])
        return None  # start, usage, stop: the final chunk carries what they say

    def _last(self, response: dict[str, Any]) -> AIMessageChunk:
        content: list[str | dict[str, Any]] = []
        blocks = response.get("blocks") or []
        reasoning_blocks = [block for block in blocks if block.get("type") == "reasoning"]
        for position, block in enumerate(reasoning_blocks):
            if not block.get("signature"):
                continue
            if position < len(self._reasoning_indexes):
                index = self._reasoning_indexes[position]
                content.append({"type": "reasoning", "index": index, "extras": {"signature": block["signature"]}})
            else:  # a reasoning block with no streamed text
                self._highest_index += 1
                content.append({"type": "reasoning", "reasoning": block.get("text") or "",
                                "index": self._highest_index, "extras": {"signature": block["signature"]}})
        for block in blocks:
            index = self._server_tool_indexes.get(block.get("id")) if block.get("type") == "server_tool_use" else None
            if index is not None and block.get("input"):
                # Merged into the streamed block's empty input.
                content.append({"type": "server_tool_use", "index": index, "input": block["input"]})
        return AIMessageChunk(content=content, usage_metadata=_usage_metadata(response.get("usage") or {}),
                              response_metadata=_response_metadata(response), chunk_position="last")

