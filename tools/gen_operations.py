#!/usr/bin/env python3
"""Writes Sources/Bedrock/Operations/OperationModels.swift from botocore's bedrock-runtime
service model: for every operation, its HTTP method and URI, where each input member goes
(URI label, query string, header, the raw payload, or the JSON body), and where each output
member comes from. `bedrock_operation` and `bedrock_operation_stream` read the table, so a
new operation in the service model is one run of this script away:

    .venv/bin/python tools/gen_operations.py

Nothing in the table is written by hand. `--check` writes nothing and fails when the file
differs from what the installed botocore gives (the tests run it)."""

import os
import sys

import botocore
from botocore.loaders import create_loader

OUT = os.path.join(os.path.dirname(__file__), "..", "Sources", "Bedrock", "Operations", "OperationModels.swift")

SCALAR_TYPES = {"string": "string", "integer": "integer", "long": "integer", "boolean": "boolean",
                "timestamp": "timestamp", "blob": "blob", "float": "number", "double": "number"}


def swift_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value_type(shape: dict) -> str:
    if shape.get("document"):
        return ".document"
    return "." + SCALAR_TYPES.get(shape["type"], shape["type"])


def location(member: dict, name: str, payload: str | None) -> str:
    where = member.get("location")
    if where == "uri":
        return f".uri({swift_string(member.get('locationName', name))})"
    if where == "querystring":
        return f".query({swift_string(member.get('locationName', name))})"
    if where == "header":
        return f".header({swift_string(member.get('locationName', name))})"
    if where is not None:
        raise SystemExit(f"unsupported location {where!r} for member {name}")
    return ".payload" if name == payload else ".body"


def members(shapes: dict, structure: dict | None, bound_only: bool) -> list[str]:
    """One `Member(...)` per member; output tables keep only what is not in the JSON body."""
    if structure is None:
        return []
    payload = structure.get("payload")
    required = set(structure.get("required", []))
    lines = []
    for name, member in structure["members"].items():
        where = location(member, name, payload)
        if bound_only and where == ".body":
            continue
        shape = shapes[member["shape"]]
        flags = []
        if name in required:
            flags.append("required: true")
        if member.get("idempotencyToken"):
            flags.append("idempotencyToken: true")
        if shape.get("eventstream"):
            flags.append("eventStream: true")
        extra = "".join(", " + flag for flag in flags)
        lines.append(f"Member(name: {swift_string(name)}, location: {where}, type: {value_type(shape)}{extra})")
    return lines


def blob_event_members(shapes: dict, structure: dict | None) -> list[str]:
    """For a streamed output, the events that carry a top-level blob (InvokeModelWithResponseStream's
    `chunk.bytes`), which the caller gets as text or {"base64": ...}."""
    if structure is None:
        return []
    found = []
    for member in structure["members"].values():
        shape = shapes[member["shape"]]
        if not shape.get("eventstream"):
            continue
        for event_name, event in shape["members"].items():
            event_shape = shapes[event["shape"]]
            for field, field_member in event_shape.get("members", {}).items():
                if shapes[field_member["shape"]]["type"] == "blob":
                    found.append(f"({swift_string(event_name)}, {swift_string(field)})")
    return found


def main() -> None:
    model = create_loader().load_service_model("bedrock-runtime", "service-2")
    shapes = model["shapes"]
    entries = []
    for name, operation in sorted(model["operations"].items()):
        input_shape = shapes[operation["input"]["shape"]] if "input" in operation else None
        output_shape = shapes[operation["output"]["shape"]] if "output" in operation else None
        inputs = members(shapes, input_shape, bound_only=False)
        outputs = members(shapes, output_shape, bound_only=True)
        blobs = blob_event_members(shapes, output_shape)
        input_streams = any(shapes[m["shape"]].get("eventstream") for m in (input_shape or {}).get("members", {}).values())
        http = operation["http"]
        indent = " " * 16
        entries.append(
            f"        {swift_string(name)}: OperationModel(\n"
            f"            name: {swift_string(name)}, method: {swift_string(http['method'])}, uri: {swift_string(http['requestUri'])},\n"
            f"            input: [\n{indent}" + f",\n{indent}".join(inputs) + ("," if inputs else "") + "\n            ],\n"
            f"            output: [" + (f"\n{indent}" + f",\n{indent}".join(outputs) + ",\n            " if outputs else "") + "],\n"
            f"            blobEvents: [" + ", ".join(blobs) + "],\n"
            f"            inputStreams: {'true' if input_streams else 'false'}),"
        )
    text = (
        f"// Generated by tools/gen_operations.py from botocore {botocore.__version__}'s bedrock-runtime\n"
        f"// service model ({model['metadata']['apiVersion']}). Do not edit; run the script again.\n\n"
        "extension OperationModel {\n"
        "    /// Every Bedrock Runtime operation, by its name in the service model.\n"
        "    static let all: [String: OperationModel] = [\n" + "\n".join(entries) + "\n    ]\n}\n"
    )
    if "--check" in sys.argv[1:]:
        with open(OUT) as current:
            if current.read() != text:
                raise SystemExit(f"{OUT} is out of date for botocore {botocore.__version__}: run tools/gen_operations.py")
        return
    with open(OUT, "w") as out:
        out.write(text)
    print(f"wrote {os.path.relpath(OUT)}: {len(entries)} operations from botocore {botocore.__version__}")


if __name__ == "__main__":
    main()
