"""Converse and ConverseStream, and the messages-v1 content blocks Nova's InvokeModel shares.

Content blocks are ``{"text"}``, ``{"toolUse"}``, ``{"toolResult"}``, ``{"cachePoint"}``,
``{"reasoningContent"}``, ``{"guardContent"}``, images and documents; tools are
``toolConfig.tools[].toolSpec`` with ``toolChoice`` ``{"auto"|"any"|"tool"}``, and on
Nova ``toolConfig.tools[].systemTool`` (tools the service runs itself). A reply that cites
documents or web pages has a ``{"citationsContent"}`` block (streamed: text deltas, then a
``citation`` delta per citation). A system tool's call and result come first, in the
assistant's message: ``{"toolUse"}`` of type ``server_tool_use`` and ``{"toolResult"}``
with a ``type`` (streamed: a ``toolResult`` start, then a delta that is a list of content).
"""

import base64
import binascii
import json
from collections.abc import Iterator

from ..conversation import (ANY, AUTO, TOOL, Conversation, Document, Guardrail, ToolChoice,
                            ToolSpec)
from ..errors import validation_error
from ..planner import (CODE_INTERPRETER, GROUNDING, SYSTEM_TOOLS, Citation, Plan,
                       ServerToolUse, ToolCall, WebSource)
from .base import Context, guardrail_assessment

_ROLES = ("user", "assistant")
# Document formats whose bytes are text (the others, PDF, Word and Excel, are not read).
_TEXT_FORMATS = ("txt", "md", "html", "csv")
_SERVER_TOOL_USE = "server_tool_use"  # a toolUse the service ran (ToolUseType)
# A system tool's toolResult ``type``: nova_code_interpreter's as Nova's documentation
# shows it; nova_grounding's as issue 12 gives it.
_RESULT_TYPES = {GROUNDING: "nova_grounding", CODE_INTERPRETER: "nova_code_interpreter_result"}


# -- requests -----------------------------------------------------------------------------

def validate(request: dict, *, system_tools: bool) -> None:
    """What Bedrock checks beyond the input shape (``service.checked_input`` checks that).
    ``system_tools``: whether the model has system tools (Nova's)."""
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise validation_error("messages: must be a non-empty list of messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise validation_error(f"messages[{index}]: must be an object")
        if message.get("role") not in _ROLES:
            raise validation_error(f"messages[{index}].role: must be 'user' or 'assistant'")
        if not isinstance(message.get("content"), list):
            raise validation_error(f"messages[{index}].content: must be a list of content blocks")
    if messages[0]["role"] != "user":
        raise validation_error("A conversation must start with a user message. "
                               "Try again with a conversation that starts with a user message.")
    if not isinstance(request.get("system", []), list):
        raise validation_error("system: must be a list of system content blocks")
    _validate_inference_config(request.get("inferenceConfig", {}))
    tool_config = request.get("toolConfig")
    if tool_config is not None and not isinstance(tool_config, dict):
        raise validation_error("toolConfig: must be an object")
    _validate_system_tools(system_tool_names(tool_config), system_tools)
    for field in ("additionalModelRequestFields", "guardrailConfig"):
        if not isinstance(request.get(field, {}), dict):
            raise validation_error(f"{field}: must be an object")


def _validate_system_tools(names: list, supported: bool) -> None:
    if names and not supported:  # Bedrock's wording for a field the model does not take
        raise validation_error("This model doesn't support the toolConfig.tools.systemTool "
                               "field. Remove toolConfig.tools.systemTool and try again.")
    for name in names:
        if name not in SYSTEM_TOOLS:
            raise validation_error(f"The system tool {name} is not supported. Supported "
                                   f"system tools: {', '.join(SYSTEM_TOOLS)}.")


def system_tool_names(tool_config) -> list:
    """The names of toolConfig's ``systemTool`` entries, in order. Lenient."""
    tools = tool_config.get("tools") if isinstance(tool_config, dict) else None
    if not isinstance(tools, list):
        return []
    return [tool["systemTool"].get("name") for tool in tools
            if isinstance(tool, dict) and isinstance(tool.get("systemTool"), dict)]


def _validate_inference_config(config) -> None:
    if not isinstance(config, dict):
        raise validation_error("inferenceConfig: must be an object")
    max_tokens = config.get("maxTokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or isinstance(max_tokens, bool)
                                   or max_tokens < 1):
        raise validation_error("inferenceConfig.maxTokens: must be an integer >= 1")
    stops = config.get("stopSequences", [])
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise validation_error("inferenceConfig.stopSequences: must be a list of strings")


def last_user_text(request) -> str:
    """Text blocks of the last user message joined by a space ('' if none). Lenient."""
    messages = request.get("messages") if isinstance(request, dict) else None
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return " ".join(_texts(message.get("content")))
    return ""


def conversation(request: dict) -> Conversation:
    """The Conversation of a validated Converse request (or CountTokens converse input)."""
    conv = Conversation()
    read_messages_v1(conv, request.get("system", []), request["messages"],
                     request.get("toolConfig"))
    # Not in read_messages_v1, which Nova's InvokeModel bodies share: the emulator runs
    # system tools on Converse only.
    conv.system_tools = system_tool_names(request.get("toolConfig"))
    config = request.get("inferenceConfig") or {}
    conv.max_tokens = config.get("maxTokens")
    conv.stop_sequences = list(config.get("stopSequences", []))
    conv.reasoning = reasoning_requested(request.get("additionalModelRequestFields") or {})
    conv.output_schema = output_schema(request)
    guardrail = request.get("guardrailConfig")
    if isinstance(guardrail, dict) and guardrail.get("guardrailIdentifier"):
        conv.guardrail = Guardrail(str(guardrail["guardrailIdentifier"]),
                                   str(guardrail.get("guardrailVersion", "")),
                                   guardrail.get("trace") in ("enabled", "enabled_full"))
    return conv


def reasoning_requested(fields: dict) -> bool:
    """Whether model fields turn reasoning on: Anthropic ``thinking``, Nova
    ``reasoningConfig``/``reasoning_config`` or OpenAI ``reasoning_effort``."""
    thinking = fields.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        return True
    for key in ("reasoning_config", "reasoningConfig"):
        config = fields.get(key)
        if config is True or (isinstance(config, dict) and config
                              and config.get("type", "enabled") != "disabled"):
            return True
    return isinstance(fields.get("reasoning_effort"), str)


def read_messages_v1(conv: Conversation, system, messages, tool_config) -> None:
    """Fill ``conv`` from messages-v1 system blocks, messages and toolConfig."""
    # Tools come before the system prompt in the cached prefix.
    if isinstance(tool_config, dict):
        for tool in tool_config.get("tools") or []:
            if not isinstance(tool, dict):
                continue
            if "cachePoint" in tool:
                conv.mark_cache(tool["cachePoint"].get("ttl"))
            spec = tool.get("toolSpec")
            if isinstance(spec, dict) and isinstance(spec.get("name"), str):
                schema = (spec.get("inputSchema") or {}).get("json")
                conv.tools.append(ToolSpec(spec["name"], schema if isinstance(schema, dict)
                                           else {}))
        conv.tool_choice = _tool_choice(tool_config.get("toolChoice"))
    _read_blocks(conv, system)
    for message in messages:
        _read_blocks(conv, message["content"])
    conv.turns = len(messages)
    users = [m for m in messages if m.get("role") == "user"]
    if users:
        conv.last_user_text = " ".join(_texts(users[-1]["content"]))
        conv.tool_results = [_tool_result_text(block["toolResult"])
                             for block in users[-1]["content"]
                             if isinstance(block, dict) and isinstance(block.get("toolResult"),
                                                                       dict)]


def _read_blocks(conv: Conversation, blocks) -> None:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if isinstance(block.get("text"), str):
            conv.add_text(block["text"])
        elif isinstance(block.get("toolResult"), dict):
            conv.add_text(_tool_result_text(block["toolResult"]))
        elif isinstance(block.get("guardContent"), dict):
            text = (block["guardContent"].get("text") or {}).get("text")
            conv.add_text(text if isinstance(text, str) else "")
        elif isinstance(block.get("document"), dict):
            conv.add_document(read_document(block["document"]))
        elif "cachePoint" in block:
            conv.mark_cache(block["cachePoint"].get("ttl"))


def read_document(block: dict) -> Document:
    """A ``document`` block: its name, text, context and whether citations are enabled."""
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    citations = block.get("citations")
    context = block.get("context")
    return Document(str(block.get("name", "")), _document_chunks(block.get("format"), source),
                    by_block=isinstance(source.get("content"), list),
                    cited=isinstance(citations, dict) and citations.get("enabled") is True,
                    context=context if isinstance(context, str) else "")


def _document_chunks(document_format, source: dict) -> tuple[str, ...]:
    """A document source's text: ``text`` whole, each block of ``content``, or ``bytes``
    (base64 on the wire) of a text format as UTF-8; nothing for the rest."""
    if isinstance(source.get("text"), str):
        return (source["text"],)
    if isinstance(source.get("content"), list):
        # Every block keeps its place, since citations give block indices.
        return tuple(_text_of(block) for block in source["content"])
    if isinstance(source.get("bytes"), str) and document_format in _TEXT_FORMATS:
        try:
            return (base64.b64decode(source["bytes"]).decode("utf-8", errors="replace"),)
        except binascii.Error:  # not base64: nothing readable
            return ()
    return ()


def _text_of(block) -> str:
    """A block's ``text`` ('' if it has none)."""
    is_text = isinstance(block, dict) and isinstance(block.get("text"), str)
    return block["text"] if is_text else ""


def _tool_result_text(result: dict) -> str:
    parts = []
    for item in result.get("content") or []:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            parts.append(item["text"])
        elif isinstance(item, dict) and "json" in item:
            parts.append(json.dumps(item["json"], separators=(",", ":"), sort_keys=True))
    return " ".join(parts)


def _tool_choice(choice) -> ToolChoice:
    if not isinstance(choice, dict):
        return ToolChoice()
    if "any" in choice:
        return ToolChoice(ANY)
    tool = choice.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("name"), str):
        return ToolChoice(TOOL, tool["name"])
    return ToolChoice(AUTO)


def _texts(blocks) -> list[str]:
    if not isinstance(blocks, list):
        return []
    return [b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str)]


# -- replies ------------------------------------------------------------------------------

def content_blocks(plan: Plan, *, signature: bool = True) -> list[dict]:
    """The assistant message's content blocks: reasoning, then a tool call, or else any
    system tool's call and result, the text (cited: citationsContent) and the text citing
    the tool's web pages."""
    blocks = []
    if plan.reasoning is not None:
        reasoning = {"text": plan.reasoning}
        if signature:
            reasoning["signature"] = plan.signature
        blocks.append({"reasoningContent": {"reasoningText": reasoning}})
    if plan.tool_call is not None:
        call = plan.tool_call
        blocks.append({"toolUse": {**_tool_use_start(call), "input": call.input}})
        return blocks
    used = plan.server_tool
    if used is not None:
        blocks.append({"toolUse": {**_tool_use_start(used.call, server=True),
                                   "input": used.call.input}})
        blocks.append({"toolResult": {**_tool_result_start(used),
                                      "content": _tool_result_content(used)}})
    if plan.citations:
        blocks.append({"citationsContent": {"content": [{"text": plan.text}],
                                            "citations": [citation(c) for c in plan.citations]}})
    else:
        blocks.append({"text": plan.text})
    if used is not None and used.sources:
        blocks.append({"citationsContent": {
            "content": [{"text": used.cited_text}],
            "citations": [_web_citation(page) for page in used.sources]}})
    return blocks


def _tool_use_start(call: ToolCall, server: bool = False) -> dict:
    """A toolUse's members but its input (what a stream's ToolUseBlockStart has)."""
    start = {"toolUseId": call.id, "name": call.name}
    return {**start, "type": _SERVER_TOOL_USE} if server else start


def _tool_result_start(used: ServerToolUse) -> dict:
    """A system tool's toolResult members but its content (a stream's ToolResultBlockStart)."""
    return {"toolUseId": used.call.id, "type": _RESULT_TYPES[used.call.name],
            "status": "success"}


def _tool_result_content(used: ServerToolUse) -> list[dict]:
    """A system tool's result: a search's pages as JSON, or the code's run as the text of a
    JSON object (as Nova's code interpreter reports it)."""
    if used.call.name == GROUNDING:
        return [{"json": {"results": [{"url": page.url, "domain": page.domain,
                                       "title": page.title} for page in used.sources]}}]
    run = {"stdOut": used.output, "stdErr": "", "exitCode": 0, "isError": False}
    return [{"text": json.dumps(run, separators=(",", ":"))}]


def _web_citation(page: WebSource) -> dict:
    """A ``Citation`` (and ``CitationsDelta``) of a web page."""
    return {"title": page.title, "location": {"web": {"url": page.url, "domain": page.domain}}}


def citation(cited: Citation) -> dict:
    """A ``Citation``; a stream's ``CitationsDelta`` has the same members."""
    location = "documentChunk" if cited.by_block else "documentChar"
    return {"title": cited.title, "sourceContent": [{"text": cited.quote}],
            "location": {location: {"documentIndex": cited.document_index,
                                    "start": cited.start, "end": cited.end}}}


def usage(plan: Plan) -> dict:
    """Converse's TokenUsage; cache fields only when the request had a cache point."""
    result = {"inputTokens": plan.usage.input_tokens, "outputTokens": plan.usage.output_tokens,
              "totalTokens": plan.usage.total_tokens}
    if plan.usage.caching:
        result.update(cacheReadInputTokens=plan.usage.cache_read,
                      cacheWriteInputTokens=plan.usage.cache_write)
        if plan.usage.cache_write and plan.usage.cache_ttl:  # Converse's writes per TTL
            result["cacheDetails"] = [{"ttl": plan.usage.cache_ttl, "inputTokens": plan.usage.cache_write}]
    return result


def output_schema(request: dict) -> dict | None:
    """The JSON Schema of a json_schema ``outputConfig.textFormat`` (text in the request)."""
    text_format = (request.get("outputConfig") or {}).get("textFormat") or {}
    if text_format.get("type") != "json_schema":
        return None
    schema_text = text_format["structure"]["jsonSchema"]["schema"]
    try:
        schema = json.loads(schema_text)
    except ValueError:
        raise validation_error("outputConfig.textFormat.structure.jsonSchema.schema is not valid JSON") from None
    return schema if isinstance(schema, dict) else None


def response(plan: Plan, ctx: Context) -> dict:
    body = {
        "output": {"message": {"role": "assistant", "content": content_blocks(plan)}},
        "stopReason": plan.stop,
        "usage": usage(plan),
        "metrics": {"latencyMs": ctx.elapsed_ms()},
        **echoed(ctx.body),
        **additional_fields(plan, ctx.body),
    }
    if plan.intervened and plan.guardrail.trace:
        body["trace"] = trace(plan)
    return body


def native_reply(plan: Plan) -> dict:
    """The members of the model's own reply that ``additionalModelResponseFieldPaths`` can
    point into, as an Anthropic Messages reply has them."""
    return {"type": "message", "role": "assistant", "stop_reason": plan.stop.lower(),
            "stop_sequence": plan.stop_sequence}


def additional_fields(plan: Plan, request: dict) -> dict:
    """``additionalModelResponseFields``: the values at the requested JSON pointers that
    exist in the model's reply, nested as their paths are (nothing when none is asked)."""
    found: dict = {}
    native = native_reply(plan)
    for pointer in request.get("additionalModelResponseFieldPaths") or []:
        keys = [key.replace("~1", "/").replace("~0", "~") for key in pointer.lstrip("/").split("/")]
        value, target = native, found
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                break
            value = value[key]
        else:
            for key in keys[:-1]:
                target = target.setdefault(key, {})
            target[keys[-1]] = value
    return {"additionalModelResponseFields": found} if found else {}


def echoed(request: dict) -> dict:
    """``performanceConfig`` and ``serviceTier`` as the request set them: Bedrock answers
    with the ones it applied."""
    return {name: request[name] for name in ("performanceConfig", "serviceTier")
            if request.get(name) is not None}


def trace(plan: Plan) -> dict:
    return {"guardrail": {"inputAssessment": guardrail_assessment(plan.guardrail)}}


def block_events(plan: Plan, *, signature: bool = True) -> Iterator[tuple[str, dict]]:
    """contentBlockStart/Delta/Stop events for the plan's blocks (messages-v1 streams), in
    the order of ``content_blocks``."""
    for index, (start, deltas) in enumerate(_streamed_blocks(plan, signature)):
        if start is not None:
            yield "contentBlockStart", {"contentBlockIndex": index, "start": start}
        for delta in deltas:
            yield "contentBlockDelta", {"contentBlockIndex": index, "delta": delta}
        yield "contentBlockStop", {"contentBlockIndex": index}


def _streamed_blocks(plan: Plan, signature: bool) -> Iterator[tuple[dict | None, list[dict]]]:
    """Each content block as a stream has it: its start (text and reasoning have none) and
    its deltas."""
    if plan.reasoning is not None:
        deltas = [{"reasoningContent": {"text": token}} for token in plan.reasoning_tokens]
        if signature:
            deltas.append({"reasoningContent": {"signature": plan.signature}})
        yield None, deltas
    if plan.tool_call is not None:
        yield {"toolUse": _tool_use_start(plan.tool_call)}, _input_deltas(plan.tool_call)
        return
    used = plan.server_tool
    if used is not None:
        yield {"toolUse": _tool_use_start(used.call, server=True)}, _input_deltas(used.call)
        # A ToolResultBlocksDelta is a list of content blocks: the result's, whole.
        yield ({"toolResult": _tool_result_start(used)},
               [{"toolResult": _tool_result_content(used)}])
    yield None, ([{"text": token} for token in plan.tokens]
                 + [{"citation": citation(cited)} for cited in plan.citations])
    if used is not None and used.sources:
        yield None, ([{"text": token} for token in used.cited_tokens]
                     + [{"citation": _web_citation(page)} for page in used.sources])


def _input_deltas(call: ToolCall) -> list[dict]:
    return [{"toolUse": {"input": fragment}} for fragment in call.fragments]


def stream_events(plan: Plan, ctx: Context) -> Iterator[tuple[str, dict]]:
    """ConverseStream events as ``(event type, payload)``; the latency is read when the
    final metadata event is produced."""
    yield "messageStart", {"role": "assistant"}
    yield from block_events(plan)
    yield "messageStop", {"stopReason": plan.stop, **additional_fields(plan, ctx.body)}
    metadata = {"usage": usage(plan), "metrics": {"latencyMs": ctx.elapsed_ms()},
                **echoed(ctx.body)}
    if plan.intervened and plan.guardrail.trace:
        metadata["trace"] = trace(plan)
    yield "metadata", metadata
