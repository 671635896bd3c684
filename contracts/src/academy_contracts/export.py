"""Export the contracts as JSON Schema (one file per event type) and one AsyncAPI 3 document,
and guard the rule that a version only changes additively.

``academy-contracts export`` writes ``contracts/schemas/``; ``academy-contracts check`` fails when
those committed files are stale. Export refuses to overwrite a committed schema with one that
breaks it: a breaking change needs a new versioned event type (``…v2``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from academy_contracts.envelope import CONTENT_TYPE, CORRELATION_ATTR
from academy_contracts.registry import (
    EVENTS,
    TOPIC_DESCRIPTIONS,
    EventSpec,
    Topic,
    dead_letter_topic,
)

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
ASYNCAPI_FILE = "asyncapi.json"
JsonSchema = dict[str, Any]

# Keywords that document a schema without constraining the JSON it accepts.
_ANNOTATIONS = {"title", "description", "examples", "default", "$comment", "$id", "$schema"}


def event_schema(spec: EventSpec) -> JsonSchema:
    """The JSON Schema of one event type's ``data``, as it appears on the wire."""
    schema = spec.model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": spec.dataschema,
        "description": spec.summary,
        **{k: v for k, v in schema.items() if k != "description"},
    }


def schema_file(spec: EventSpec) -> str:
    return f"{spec.event_type}.schema.json"


def _ce_headers() -> JsonSchema:
    def attr(description: str) -> JsonSchema:
        return {"type": "string", "description": description}

    return {
        "type": "object",
        "required": ["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "content-type"],
        "properties": {
            "ce_id": attr("Unique event id; consumers deduplicate on it."),
            "ce_source": attr("The producing service, e.g. /services/registration."),
            "ce_type": attr("Versioned event type, e.g. org.euromed.academy.…v1."),
            "ce_specversion": {"const": "1.0"},
            "ce_time": {"type": "string", "format": "date-time"},
            "ce_subject": attr("The event's key (also the record key): mostly the application id."),
            "ce_dataschema": attr("URN of the JSON Schema of the body."),
            f"ce_{CORRELATION_ATTR}": attr("Id of the request that caused the event."),
            "content-type": {"const": CONTENT_TYPE},
        },
    }


def asyncapi_document() -> JsonSchema:
    """An AsyncAPI 3.0 document: one channel per topic, the messages each carries, and the
    send operations of the producing services."""
    _, defs = models_json_schema(
        [(spec.model, "serialization") for spec in EVENTS],
        ref_template="#/components/schemas/{model}",
    )
    channels: JsonSchema = {}
    operations: JsonSchema = {}
    for topic in Topic:
        specs = [s for s in EVENTS if s.topic is topic]
        channel_id = topic.value.replace(".", "_")
        channels[channel_id] = {
            "address": topic.value,
            "description": TOPIC_DESCRIPTIONS[topic]
            + f" Unreadable messages go to {dead_letter_topic(topic.value)}.",
            "messages": {s.name: {"$ref": f"#/components/messages/{s.name}"} for s in specs},
        }
        for s in specs:
            operations[f"publish{s.name}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{s.name}"}],
            }
    messages = {
        s.name: {
            "name": s.event_type,
            "title": s.name,
            "summary": s.summary,
            "contentType": CONTENT_TYPE,
            "headers": {"$ref": "#/components/schemas/CloudEventsKafkaHeaders"},
            "payload": {"$ref": f"#/components/schemas/{s.model.__name__}"},
            "bindings": {"kafka": {"key": {"type": "string"}, "bindingVersion": "0.5.0"}},
        }
        for s in EVENTS
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Cluster Academy events",
            "version": "1.1.0",
            "description": "Integration events of the Euromed Cluster Academy, as CloudEvents 1.0 "
            "in Kafka binary content mode (ce_* headers, JSON body), keyed by application id (or "
            "by edition, company or message id for events about those).",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"CloudEventsKafkaHeaders": _ce_headers(), **defs["$defs"]},
        },
    }


def rendered() -> dict[str, str]:
    """Every exported file name with its exact content."""
    files = {schema_file(s): event_schema(s) for s in EVENTS}
    files[ASYNCAPI_FILE] = asyncapi_document()
    return {name: json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in files.items()}


def _resolve(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: JsonSchema = root["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return schema


def breaking_changes(old: JsonSchema, new: JsonSchema) -> list[str]:
    """What in ``new`` would break a consumer or producer written against ``old``.

    Additive means: every old property stays with the same constraints, no property becomes
    required, no enum value appears or disappears. New optional properties are fine.
    """
    return list(_compare(old, new, old, new, "$"))


def _compare(
    old: JsonSchema, new: JsonSchema, old_root: JsonSchema, new_root: JsonSchema, path: str
) -> Iterator[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_prop in old_props.items():
        if name not in new_props:
            yield f"{path}.{name}: removed"
        else:
            yield from _compare(old_prop, new_props[name], old_root, new_root, f"{path}.{name}")
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        yield f"{path}.{name}: became required"
    if set(old.get("enum", [])) != set(new.get("enum", [])):
        yield f"{path}: enum changed from {old.get('enum')} to {new.get('enum')}"
    for key in ("anyOf", "oneOf", "allOf"):
        old_branches, new_branches = old.get(key, []), new.get(key, [])
        if len(old_branches) != len(new_branches):
            yield f"{path}: {key} changed"
            continue
        for i, (o, n) in enumerate(zip(old_branches, new_branches, strict=True)):
            yield from _compare(o, n, old_root, new_root, f"{path}.{key}[{i}]")
    if "items" in old and "items" in new:
        yield from _compare(old["items"], new["items"], old_root, new_root, f"{path}[]")
    structural = {"properties", "required", "enum", "anyOf", "oneOf", "allOf", "items", "$defs"}
    for key in sorted((set(old) | set(new)) - _ANNOTATIONS - structural):
        if old.get(key) != new.get(key):
            yield f"{path}: {key} changed from {old.get(key)!r} to {new.get(key)!r}"


def stale_files(directory: Path = SCHEMAS_DIR) -> list[str]:
    """Exported files that are missing or differ from what the models produce now."""
    return [
        name
        for name, content in rendered().items()
        if not (directory / name).is_file() or (directory / name).read_text() != content
    ]


def export(directory: Path = SCHEMAS_DIR) -> list[str]:
    """Write the exported files; refuse (ValueError) a breaking change within a version."""
    problems = []
    for spec in EVENTS:
        path = directory / schema_file(spec)
        if path.is_file():
            broken = breaking_changes(json.loads(path.read_text()), event_schema(spec))
            problems += [f"{spec.event_type} {b}" for b in broken]
    if problems:
        raise ValueError(
            "not backward compatible within its version (publish a new …v2 type instead):\n  "
            + "\n  ".join(problems)
        )
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in rendered().items():
        path = directory / name
        if not path.is_file() or path.read_text() != content:
            path.write_text(content)
            written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="academy-contracts", description=__doc__)
    parser.add_argument("command", choices=["export", "check"])
    parser.add_argument("--dir", type=Path, default=SCHEMAS_DIR)
    args = parser.parse_args(argv)
    if args.command == "check":
        stale = stale_files(args.dir)
        for name in stale:
            print(f"stale: {args.dir / name}", file=sys.stderr)
        if stale:
            print("run: uv run academy-contracts export", file=sys.stderr)
        return 1 if stale else 0
    try:
        written = export(args.dir)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    for name in written:
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
