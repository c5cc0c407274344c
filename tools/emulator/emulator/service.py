"""Bedrock Runtime's service model (botocore's ``bedrock-runtime``): which operation a
request is, and its input rebuilt from the wire and checked against the operation's input
shape as strictly as Bedrock checks it.

The input is what the client's SDK had before serializing it (REST-JSON): URI labels,
query parameters and headers by their wire names, and the JSON body (or, for InvokeModel,
the raw payload). botocore's own ``ParamValidator`` checks it, with the constraints it
leaves to the service added: maximums, enums, and booleans that are not numbers.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.model import OperationModel
from botocore.utils import parse_to_aware_datetime
from botocore.validate import ParamValidator, ValidationErrors, range_check

from .errors import validation_error

_LABEL = re.compile(r"\{(\w+)\}")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER_TYPES = {"integer": int, "long": int, "float": float, "double": float}
# botocore's first valid type for a shape -> the type the message names.
_TYPE_WORDS = {str(str): "a string", str(int): "an integer", str(float): "a number",
               str(bool): "a boolean", str(dict): "an object", str(list): "a list",
               str(bytes): "a base64-encoded blob", str(datetime): "a timestamp"}


def _uri_pattern(template: str) -> re.Pattern:
    """``/model/{modelId}/converse`` -> a pattern with a named group per label (a label is
    one path segment: an encoded ``/`` stays ``%2F``)."""
    parts = _LABEL.split(template)  # literal, label, literal, ...
    return re.compile("".join(f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part)
                              for index, part in enumerate(parts)))


# Loaded when the server starts, not on its first request.
_MODEL = botocore.session.get_session().get_service_model("bedrock-runtime")
_ROUTES = [(operation, _uri_pattern(operation.http["requestUri"]))
           for operation in map(_MODEL.operation_model, _MODEL.operation_names)]


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    labels: dict[str, str]  # URI labels, percent-decoded


def route(method: str, path: str) -> Route | None:
    """The operation ``method path`` (the path as received, still percent-encoded) calls."""
    for operation, pattern in _ROUTES:
        if operation.http["method"] == method:
            match = pattern.fullmatch(path)
            if match:
                return Route(operation, {name: unquote(value)
                                         for name, value in match.groupdict().items()})
    return None


def checked_input(found: Route, query: str, headers, body: bytes) -> dict:
    """The operation's input rebuilt from the request; a 400 ValidationException naming
    each member that breaks the input shape."""
    errors = _Errors()
    params = _wire_input(found, query, headers, body, errors)
    _Validator().validate(params, found.operation.input_shape, errors)
    if errors.has_errors():
        raise validation_error(errors.message())
    return params


def _wire_input(found: Route, query: str, headers, body: bytes, errors) -> dict:
    """The input as botocore had it before serializing it to the request (REST-JSON). A
    body key naming a member that belongs elsewhere (``modelId``) is an unknown member."""
    shape = found.operation.input_shape
    query_values = parse_qs(query, keep_blank_values=True)
    params = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            value = found.labels[wire_name]
        elif location == "querystring":
            value = query_values.get(wire_name, [None])[0]
        elif location == "header":
            value = headers.get(wire_name)
        else:
            continue
        if value is not None:
            params[name] = value if location == "uri" else _from_text(value, member)
    payload = shape.serialization.get("payload")
    in_body = [name for name, member in shape.members.items()
               if "location" not in member.serialization]
    if payload is not None:
        if shape.members[payload].serialization.get("eventstream"):
            # An input event stream (InvokeModelWithBidirectionalStream): botocore models no
            # value for it, so it stands here as an empty one; bidi.py reads its events.
            params[payload] = {}
        elif body:
            params[payload] = body
    elif in_body:
        for key, value in json_object(body).items():
            if key in shape.members and key not in in_body:
                errors.report("", "unknown field", unknown_param=key, valid_names=in_body)
            else:
                params[key] = value
    return params


def _from_text(text: str, shape):
    """A header or query value as botocore's REST-JSON parser reads it; a value that does
    not parse stays text, for the validator to report."""
    kind = shape.type_name
    if kind in ("integer", "long") and _INTEGER.fullmatch(text.strip()):
        return int(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    if kind == "timestamp":
        try:
            return parse_to_aware_datetime(text)
        except (ValueError, TypeError):
            return text
    return text


def json_object(data: bytes, where: str = "body") -> dict:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise validation_error(f"Malformed input request: {where} is not valid JSON "
                               f"({exc})") from None
    if not isinstance(value, dict):
        raise validation_error(f"Malformed input request: {where} must be a JSON object")
    return value


# -- validation ---------------------------------------------------------------------------

class _Errors(ValidationErrors):
    """The validator's findings, worded as Bedrock words them (with botocore's member
    paths, e.g. ``messages[0].role``)."""

    def message(self) -> str:
        problems = [self._format_error(error) for error in self._errors]
        plural = "s" if len(problems) > 1 else ""
        return f"{len(problems)} validation error{plural} detected: " + "; ".join(problems)

    def _format_error(self, error) -> str:
        reason, name, details = error
        path = name.lstrip(".")
        if reason == "missing required field":
            member = ".".join(filter(None, (path, details["required_name"])))
            return f"Value null at '{member}' failed to satisfy constraint: Member must not be null"
        if reason == "unknown field":
            member = ".".join(filter(None, (path, details["unknown_param"])))
            return (f"Unknown member '{member}': must be one of "
                    + ", ".join(details["valid_names"]))
        if reason == "invalid type":
            return _constraint(path, details["param"],
                               f"Member must be {_TYPE_WORDS[details['valid_types'][0]]}")
        if reason in ("invalid range", "invalid length"):
            if "min_allowed" in details:
                bound = f"greater than or equal to {details['min_allowed']}"
            else:
                bound = f"less than or equal to {details['max_allowed']}"
            if reason == "invalid range":
                return _constraint(path, details["param"], f"Member must have value {bound}")
            return f"Value at '{path}' failed to satisfy constraint: Member must have length {bound}"
        if reason == "invalid enum":
            return _constraint(path, details["param"], "Member must satisfy enum value set: ["
                               + ", ".join(details["valid_values"]) + "]")
        if reason in ("more than one input", "empty input"):
            return (f"Value at '{path or 'input'}' failed to satisfy constraint: Member must "
                    "have exactly one of these members set: " + ", ".join(details["members"]))
        return super()._format_error(error)


def _constraint(path: str, value, constraint: str) -> str:
    """Bedrock's wording: ``Value 'x' at 'path' failed to satisfy constraint: ...``, the
    value as JSON (a string as itself), shortened."""
    shown = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    shown = "null" if value is None else f"'{shown}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


class _Validator(ParamValidator):
    """botocore's validator, plus what it leaves to the service: maximums (of values,
    lengths and counts), enums, minimum map sizes, and JSON booleans that are not numbers.
    A JSON null is a value of the wrong type, never an absent member."""

    VALIDATED_METADATA_ATTRS = ParamValidator.VALIDATED_METADATA_ATTRS | {"max", "enum"}

    def validate(self, params, shape, errors: _Errors) -> None:
        self._validate(params, shape, errors, name="")

    def _validate(self, params, shape, errors, name):
        if isinstance(params, bool) and shape.type_name in _NUMBER_TYPES:
            errors.report(name, "invalid type", param=params,
                          valid_types=[str(_NUMBER_TYPES[shape.type_name])])
        else:
            super()._validate(params, shape, errors, name)

    def _validate_string(self, param, shape, errors, name):
        super()._validate_string(param, shape, errors, name)
        if isinstance(param, str):
            _check_max(name, len(param), shape, "invalid length", errors)
            enum = shape.metadata.get("enum")
            if enum and param not in enum:
                errors.report(name, "invalid enum", param=param, valid_values=enum)

    def _validate_list(self, param, shape, errors, name):
        super()._validate_list(param, shape, errors, name)
        if isinstance(param, (list, tuple)):
            _check_max(name, len(param), shape, "invalid length", errors)

    def _validate_map(self, param, shape, errors, name):
        super()._validate_map(param, shape, errors, name)
        if isinstance(param, dict):
            range_check(name, len(param), shape, "invalid length", errors)
            _check_max(name, len(param), shape, "invalid length", errors)

    def _validate_blob(self, param, shape, errors, name):
        super()._validate_blob(param, shape, errors, name)
        if isinstance(param, bytes):  # the raw InvokeModel payload (JSON blobs are base64)
            range_check(name, len(param), shape, "invalid length", errors)
            _check_max(name, len(param), shape, "invalid length", errors)

    def _validate_integer(self, param, shape, errors, name):
        super()._validate_integer(param, shape, errors, name)
        if isinstance(param, int):
            _check_max(name, param, shape, "invalid range", errors)

    def _validate_double(self, param, shape, errors, name):
        super()._validate_double(param, shape, errors, name)
        if isinstance(param, (int, float)):
            _check_max(name, param, shape, "invalid range", errors)

    _validate_long = _validate_integer
    _validate_float = _validate_double


def _check_max(name, value, shape, reason, errors) -> None:
    if "max" in shape.metadata and value > shape.metadata["max"]:
        errors.report(name, reason, param=value, max_allowed=shape.metadata["max"])
