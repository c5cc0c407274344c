"""The runtime operations: from a parsed request to a JSON answer or a stream of events.

Converse and ConverseStream use Converse's shapes; InvokeModel and
InvokeModelWithResponseStream use the provider format ``formats.detect`` picks;
CountTokens counts either. Every reply comes from ``planner.plan``. The HTTP side
(faults, framing, headers) is the handler's.
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import formats, planner
from .conversation import Guardrail
from .errors import ApiError, validation_error
from .formats import converse
from .formats.base import Context, guardrail_assessment

CONVERSE, CONVERSE_STREAM = "Converse", "ConverseStream"
INVOKE, INVOKE_STREAM, COUNT_TOKENS = "InvokeModel", "InvokeModelWithResponseStream", "CountTokens"
# Path suffix -> operation name, as botocore names them.
OPERATIONS = {"converse": CONVERSE, "converse-stream": CONVERSE_STREAM, "invoke": INVOKE,
              "invoke-with-response-stream": INVOKE_STREAM, "count-tokens": COUNT_TOKENS}
STREAMING = (CONVERSE_STREAM, INVOKE_STREAM)
JSON_TYPE = "application/json"
_ACCEPTABLE = ("application/json", "application/*", "*/*")
GUARDRAIL_ACTION_KEY = "amazon-bedrock-guardrailAction"
TRACE_KEY = "amazon-bedrock-trace"
METRICS_KEY = "amazon-bedrock-invocationMetrics"


@dataclass
class Request:
    operation: str
    model_id: str
    body: bytes
    headers: object  # email.message.Message: case-insensitive .get()
    request_id: str
    elapsed_ms: Callable[[], int]

    @property
    def streaming(self) -> bool:
        return self.operation in STREAMING


@dataclass
class Answer:
    """A JSON ``body``, or ``events`` to stream as ``(event type, payload)`` frames."""

    body: dict | None = None
    events: Iterator[tuple[str, dict]] | None = None
    headers: dict = field(default_factory=dict)
    format: str | None = None


def directive_text(request: Request) -> str:
    """The latest user text, where ``[[fault:...]]`` directives are looked for. Lenient:
    a body too broken to read has none."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    if request.operation in (CONVERSE, CONVERSE_STREAM):
        return converse.last_user_text(body)
    try:
        if request.operation == COUNT_TOKENS:
            inner = _count_tokens_input(body)
            if inner[0] == "converse":
                return converse.last_user_text(inner[1])
            body = inner[1]
        return _invoke_parse(request, body)[2].last_user_text
    except ApiError:
        return ""


def answer(request: Request, state) -> Answer:
    if request.operation in (CONVERSE, CONVERSE_STREAM):
        return _converse(request, state)
    if request.operation == COUNT_TOKENS:
        return _count_tokens(request)
    return _invoke(request, state)


# -- Converse -----------------------------------------------------------------------------

def _converse(request: Request, state) -> Answer:
    body = converse.parse_request(request.body)
    ctx = _context(request, body)
    plan = planner.plan(converse.conversation(body), state.prompt_cache, ctx.base_model_id)
    if request.streaming:
        return Answer(events=_padded(converse.stream_events(plan, ctx)), format="converse")
    return Answer(body=converse.response(plan, ctx), format="converse")


# -- InvokeModel --------------------------------------------------------------------------

def _invoke(request: Request, state) -> Answer:
    _check_media_types(request)
    fmt, ctx, conv = _invoke_parse(request, _json_object(request.body))
    plan = planner.plan(conv, state.prompt_cache, ctx.base_model_id)
    extras = _guardrail_fields(plan, conv.guardrail)
    if request.streaming:
        chunks = _with_final_fields(fmt.stream(plan, ctx), plan, ctx, extras)
        events = _padded(("chunk", {"bytes": _b64(chunk)}) for chunk in chunks)
        return Answer(events=events, headers={"X-Amzn-Bedrock-Content-Type": JSON_TYPE},
                      format=fmt.name)
    body = {**fmt.response(plan, ctx), **extras}
    return Answer(body=body, headers=token_headers(plan, ctx), format=fmt.name)


def _invoke_parse(request: Request, body: dict):
    fmt = formats.detect(request.model_id, body)
    ctx = _context(request, body)
    conv = fmt.parse(body, ctx)
    conv.guardrail = _header_guardrail(request.headers)
    return fmt, ctx, conv


def _check_media_types(request: Request) -> None:
    content_type = _media_type(request.headers.get("Content-Type"))
    if content_type not in (None, JSON_TYPE, "*/*"):
        raise validation_error("The provided Content-Type is invalid or not supported for "
                               "this model")
    accept = request.headers.get("X-Amzn-Bedrock-Accept" if request.streaming else "Accept")
    if accept is not None and not any(_media_type(value) in _ACCEPTABLE
                                      for value in accept.split(",")):
        raise validation_error("The provided Accept Type is invalid or not supported for "
                               "this model")


def _media_type(value) -> str | None:
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()


def _header_guardrail(headers) -> Guardrail | None:
    identifier = headers.get("X-Amzn-Bedrock-GuardrailIdentifier")
    if not identifier:
        return None
    trace = (headers.get("X-Amzn-Bedrock-Trace") or "").upper()
    return Guardrail(identifier, headers.get("X-Amzn-Bedrock-GuardrailVersion") or "",
                     trace in ("ENABLED", "ENABLED_FULL"))


def _guardrail_fields(plan: planner.Plan, guardrail: Guardrail | None) -> dict:
    """What Bedrock adds to an InvokeModel body (or last chunk) when a guardrail applies."""
    if guardrail is None:
        return {}
    fields = {GUARDRAIL_ACTION_KEY: "INTERVENED" if plan.intervened else "NONE"}
    if plan.intervened and guardrail.trace:
        fields[TRACE_KEY] = {"guardrail": {"input": guardrail_assessment(guardrail)}}
    return fields


def invocation_metrics(plan: planner.Plan, ctx: Context, first_byte_ms: int) -> dict:
    usage = plan.usage
    metrics = {"inputTokenCount": usage.input_tokens, "outputTokenCount": usage.output_tokens,
               "invocationLatency": ctx.elapsed_ms(), "firstByteLatency": first_byte_ms}
    if usage.caching:
        metrics.update(cacheReadInputTokenCount=usage.cache_read,
                       cacheWriteInputTokenCount=usage.cache_write)
    return metrics


def token_headers(plan: planner.Plan, ctx: Context) -> dict:
    """InvokeModel's usage headers (what LangChain's ChatBedrock reads)."""
    usage = plan.usage
    headers = {"X-Amzn-Bedrock-Invocation-Latency": str(ctx.elapsed_ms()),
               "X-Amzn-Bedrock-Input-Token-Count": str(usage.input_tokens),
               "X-Amzn-Bedrock-Output-Token-Count": str(usage.output_tokens)}
    if usage.caching:
        headers["X-Amzn-Bedrock-Cache-Read-Input-Token-Count"] = str(usage.cache_read)
        headers["X-Amzn-Bedrock-Cache-Write-Input-Token-Count"] = str(usage.cache_write)
    return headers


def _with_final_fields(chunks: Iterator[dict], plan, ctx: Context, extras: dict):
    """The chunks, the last one carrying the invocation metrics (and guardrail fields).
    Lazy, so that the latencies are measured as the chunks go out."""
    chunks = iter(chunks)
    previous = next(chunks)
    first_byte_ms = ctx.elapsed_ms()
    for chunk in chunks:
        yield previous
        previous = chunk
    yield {**previous, **extras, METRICS_KEY: invocation_metrics(plan, ctx, first_byte_ms)}


# -- CountTokens --------------------------------------------------------------------------

def _count_tokens(request: Request) -> Answer:
    kind, inner = _count_tokens_input(_json_object(request.body))
    if kind == "converse":
        converse.validate(inner)
        conv = converse.conversation(inner)
        fmt_name = "converse"
    else:
        fmt, _, conv = _invoke_parse(request, inner)
        fmt_name = fmt.name
    return Answer(body={"inputTokens": conv.input_words}, format=fmt_name)


def _count_tokens_input(body: dict) -> tuple[str, dict]:
    """``("converse", request)`` or ``("invokeModel", body)`` from a CountTokens body."""
    given = body.get("input")
    if not isinstance(given, dict) or len(given) != 1 or \
            not ({"converse", "invokeModel"} & set(given)):
        raise validation_error('input: must hold exactly one of "invokeModel" or "converse"')
    if "converse" in given:
        if not isinstance(given["converse"], dict):
            raise validation_error("input.converse: must be an object")
        return "converse", given["converse"]
    raw = given["invokeModel"].get("body") if isinstance(given["invokeModel"], dict) else None
    if not isinstance(raw, str):
        raise validation_error("input.invokeModel.body: must be a string")
    return "invokeModel", _json_object(_blob(raw), "input.invokeModel.body")


def _blob(text: str) -> bytes:
    """A blob member: base64 as the SDKs send it, or (leniently) the JSON text itself."""
    if text.lstrip().startswith("{"):
        return text.encode()
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise validation_error("input.invokeModel.body: must be base64-encoded JSON") from None


# -- shared -------------------------------------------------------------------------------

def _context(request: Request, body: dict) -> Context:
    return Context(model_id=request.model_id,
                   base_model_id=formats.base_model_id(request.model_id),
                   streaming=request.streaming, request_id=request.request_id,
                   elapsed_ms=request.elapsed_ms, body=body)


def _json_object(data: bytes, where: str = "body") -> dict:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise validation_error(f"Malformed input request: {where} is not valid JSON "
                               f"({exc})") from None
    if not isinstance(value, dict):
        raise validation_error(f"Malformed input request: {where} must be a JSON object")
    return value


def _b64(chunk: dict) -> str:
    return base64.b64encode(json.dumps(chunk, separators=(",", ":")).encode()).decode()


def _padded(events) -> Iterator[tuple[str, dict]]:
    """Each payload with a ``p`` padding field, as Bedrock's stream events carry."""
    for index, (event_type, payload) in enumerate(events):
        yield event_type, {**payload, "p": padding(index)}


def padding(index: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return alphabet[: 1 + (index * 7) % len(alphabet)]
