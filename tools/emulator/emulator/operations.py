"""The runtime operations: from a validated request to a JSON answer or a stream of events.

Converse and ConverseStream use Converse's shapes; InvokeModel and
InvokeModelWithResponseStream use the provider format ``formats.detect`` picks;
CountTokens counts either. Every reply comes from ``planner.plan``, except Nova Sonic's
echo over InvokeModelWithBidirectionalStream (``formats/sonic.py``). The guardrail
operations are ``guardrails.py``'s, the async invocations ``async_invoke.py``'s. The HTTP
side (routing, validation, faults, framing, headers) is ``app.py``'s.
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from . import formats, guardrails, planner
from .conversation import Guardrail
from .errors import ApiError, validation_error
from .formats import converse, sonic
from .formats.base import Context, guardrail_assessment
from .service import json_object

# Operation names, as botocore names them.
CONVERSE, CONVERSE_STREAM = "Converse", "ConverseStream"
INVOKE, INVOKE_STREAM, COUNT_TOKENS = "InvokeModel", "InvokeModelWithResponseStream", "CountTokens"
APPLY_GUARDRAIL, GUARDRAIL_CHECKS = "ApplyGuardrail", "InvokeGuardrailChecks"
START_ASYNC, GET_ASYNC, LIST_ASYNC = "StartAsyncInvoke", "GetAsyncInvoke", "ListAsyncInvokes"
BIDIRECTIONAL_STREAM = "InvokeModelWithBidirectionalStream"
STREAMING = (CONVERSE_STREAM, INVOKE_STREAM, BIDIRECTIONAL_STREAM)
# Echoed when an InvokeModel request sets them (Converse: ``converse.echoed``).
ECHOED_HEADERS = ("X-Amzn-Bedrock-PerformanceConfig-Latency", "X-Amzn-Bedrock-Service-Tier")
JSON_TYPE = "application/json"
_ACCEPTABLE = ("application/json", "application/*", "*/*")
GUARDRAIL_ACTION_KEY = "amazon-bedrock-guardrailAction"
TRACE_KEY = "amazon-bedrock-trace"
METRICS_KEY = "amazon-bedrock-invocationMetrics"


@dataclass
class Request:
    operation: str
    params: dict  # the input rebuilt from the wire and validated (``service.checked_input``)
    body: bytes
    headers: object  # email.message.Message: case-insensitive .get()
    request_id: str
    elapsed_ms: Callable[[], int]
    # InvokeModelWithBidirectionalStream: the decoded bytes of each input chunk (bidi.py).
    input_chunks: list[bytes] | None = None

    @property
    def model_id(self) -> str | None:
        return self.params.get("modelId")

    @property
    def streaming(self) -> bool:
        return self.operation in STREAMING


class StreamError(NamedTuple):
    """Last in an Answer's ``events``: the stream ends with this exception frame."""

    exception_type: str
    message: str


@dataclass
class Answer:
    """A JSON ``body``, or ``events`` to stream as ``(event type, payload)`` frames (and
    perhaps a final StreamError)."""

    body: dict | None = None
    events: Iterator[tuple[str, dict]] | None = None
    headers: dict = field(default_factory=dict)
    format: str | None = None


def directive_text(request: Request) -> str:
    """The latest user text (for the guardrail operations, the texts they check), where
    ``[[fault:...]]`` directives are looked for. Lenient: a body too broken to read has
    none."""
    operation, params = request.operation, request.params
    if operation in (CONVERSE, CONVERSE_STREAM):
        return converse.last_user_text(params)
    if operation == APPLY_GUARDRAIL:
        return " ".join(guardrails.apply_guardrail_texts(params))
    if operation == GUARDRAIL_CHECKS:
        return " ".join(text for *_, text in guardrails.checks_texts(params))
    if operation == BIDIRECTIONAL_STREAM:
        turns = sonic.read_session(request.input_chunks).turns
        return turns[-1].text if turns else ""
    try:
        if operation == COUNT_TOKENS:
            kind, body = _count_tokens_input(params)
            if kind == "converse":
                return converse.last_user_text(body)
        elif operation in (INVOKE, INVOKE_STREAM):
            body = json_object(request.body)
        else:
            return ""
        return _invoke_parse(request, body)[2].last_user_text
    except ApiError:
        return ""


def answer(request: Request, state) -> Answer:
    return _ANSWERS[request.operation](request, state)


# -- Converse -----------------------------------------------------------------------------

def _converse(request: Request, state) -> Answer:
    body = request.params
    converse.validate(body, system_tools=formats.has_system_tools(request.model_id))
    ctx = _context(request, body)
    plan = planner.plan(converse.conversation(body), state.prompt_cache, ctx.base_model_id)
    if request.streaming:
        return Answer(events=_padded(converse.stream_events(plan, ctx)), format="converse")
    return Answer(body=converse.response(plan, ctx), format="converse")


# -- InvokeModel --------------------------------------------------------------------------

def _invoke(request: Request, state) -> Answer:
    _check_media_types(request)
    fmt, ctx, conv = _invoke_parse(request, json_object(request.body))
    plan = planner.plan(conv, state.prompt_cache, ctx.base_model_id)
    extras = _guardrail_fields(plan, conv.guardrail)
    echoed = {name: request.headers[name] for name in ECHOED_HEADERS if name in request.headers}
    if request.streaming:
        chunks = _with_final_fields(fmt.stream(plan, ctx), plan, ctx, extras)
        events = _padded(("chunk", {"bytes": _b64(chunk)}) for chunk in chunks)
        return Answer(events=events, headers={"X-Amzn-Bedrock-Content-Type": JSON_TYPE,
                                              **echoed}, format=fmt.name)
    body = {**fmt.response(plan, ctx), **extras}
    return Answer(body=body, headers={**token_headers(plan, ctx), **echoed}, format=fmt.name)


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


# -- InvokeModelWithBidirectionalStream ---------------------------------------------------

def _bidirectional(request: Request, state) -> Answer:
    base = formats.base_model_id(request.model_id)
    if not sonic.MODEL_ID.fullmatch(base):
        raise validation_error(
            f"The model {request.model_id} does not support {BIDIRECTIONAL_STREAM}: the "
            "emulator serves it for Amazon Nova Sonic (amazon.nova-sonic-v1:0, "
            "amazon.nova-2-sonic-v1:0).")
    # The input events are checked in order, as Bedrock reads them from an open stream:
    # the turns before an invalid event are answered, and then the stream fails.
    session = sonic.read_session(request.input_chunks)
    events = [("chunk", {"bytes": _b64(event)}) for event in sonic.output_events(session)]
    if session.error is not None:
        events.append(StreamError("validationException", session.error))
    return Answer(events=iter(events), format="sonic")


# -- CountTokens --------------------------------------------------------------------------

def _count_tokens(request: Request, state) -> Answer:
    kind, inner = _count_tokens_input(request.params)
    if kind == "converse":
        converse.validate(inner, system_tools=formats.has_system_tools(request.model_id))
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
    return "invokeModel", json_object(_blob(raw), "input.invokeModel.body")


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


def _b64(chunk: dict) -> str:
    return base64.b64encode(json.dumps(chunk, separators=(",", ":")).encode()).decode()


def _padded(events) -> Iterator[tuple[str, dict]]:
    """Each payload with a ``p`` padding field, as Bedrock's stream events carry."""
    for index, (event_type, payload) in enumerate(events):
        yield event_type, {**payload, "p": padding(index)}


def padding(index: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return alphabet[: 1 + (index * 7) % len(alphabet)]


# -- guardrails and async invocations -----------------------------------------------------

def _apply_guardrail(request: Request, state) -> Answer:
    return Answer(body=guardrails.apply_guardrail(request.params, request.elapsed_ms()))


def _guardrail_checks(request: Request, state) -> Answer:
    return Answer(body=guardrails.invoke_guardrail_checks(request.params))


def _start_async(request: Request, state) -> Answer:
    return Answer(body=state.async_invokes.start(request.params))


def _get_async(request: Request, state) -> Answer:
    return Answer(body=state.async_invokes.poll(request.params["invocationArn"]))


def _list_async(request: Request, state) -> Answer:
    return Answer(body=state.async_invokes.page(request.params))


_ANSWERS = {CONVERSE: _converse, CONVERSE_STREAM: _converse, INVOKE: _invoke,
            INVOKE_STREAM: _invoke, COUNT_TOKENS: _count_tokens,
            APPLY_GUARDRAIL: _apply_guardrail, GUARDRAIL_CHECKS: _guardrail_checks,
            START_ASYNC: _start_async, GET_ASYNC: _get_async, LIST_ASYNC: _list_async,
            BIDIRECTIONAL_STREAM: _bidirectional}
