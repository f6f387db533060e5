#!/usr/bin/env python3
"""Decodes every golden fixture of the Avro contract outside TypeScript, with fastavro.

For each schemas/<domain>/<Record>/fixtures/v<N>.avro, reads the Avro body with the writer schema v<N>.avsc and
the current reader schema (the record's highest version), as any consumer of the topic would, and prints one JSON
line: {"fixture": "<domain>/<Record>/v<N>", "value": <the value in the contract's JSON form>}. The JSON form is the
one of libs/contracts (toJsonValue): long as a decimal string, timestamp-millis as ISO-8601 UTC with milliseconds,
["null", T] as null or T, bytes and fixed as hex, records as objects. A test compares the lines with TypeScript's
decoding of the same bytes, value for value.

Usage: check_fixtures.py [schemas-dir]. Exit 1 if any fixture fails to decode (each failure is named on stderr).
"""

import io
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import fastavro

VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.(avsc|avro)$")


def versions(directory: Path, extension: str) -> list[int]:
    found = (VERSION_FILE.match(p.name) for p in directory.glob(f"v*.{extension}")) if directory.is_dir() else ()
    return sorted(int(m.group(1)) for m in found if m)


def load_schema(path: Path):
    return fastavro.parse_schema(json.loads(path.read_text(encoding="utf-8")))


def to_json(schema, value, named: dict):
    """The contract's JSON form of a decoded value, walking the (raw) reader schema."""
    if isinstance(schema, str):
        if schema in named:
            return to_json(named[schema], value, named)
        if schema == "long":
            return str(value)
        if schema == "bytes":
            return value.hex()
        return value
    if isinstance(schema, list):
        if value is None:
            return None
        branch = next(b for b in schema if b != "null")  # the contract's unions are ["null", T]
        return to_json(branch, value, named)
    kind, logical = schema["type"], schema.get("logicalType")
    if kind in ("record", "error", "enum", "fixed"):
        name = schema["name"]
        named[name] = schema
        if "namespace" in schema:
            named[f"{schema['namespace']}.{name}"] = schema
    if kind in ("record", "error"):
        return {f["name"]: to_json(f["type"], value[f["name"]], named) for f in schema["fields"]}
    if kind == "array":
        return [to_json(schema["items"], item, named) for item in value]
    if kind == "map":
        return {k: to_json(schema["values"], v, named) for k, v in value.items()}
    if kind == "fixed":
        return value.hex()
    if kind == "enum":
        return value
    if logical == "timestamp-millis" and isinstance(value, datetime):
        utc = value.astimezone(timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if logical == "uuid":
        return str(value)
    return to_json(kind, value, named)


def main() -> int:
    schemas_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "schemas"
    failures = 0
    for record_dir in sorted(p for p in schemas_dir.glob("*/*") if p.is_dir()):
        schema_versions = versions(record_dir, "avsc")
        if not schema_versions:
            continue
        current = record_dir / f"v{schema_versions[-1]}.avsc"
        reader = load_schema(current)
        raw_reader = json.loads(current.read_text(encoding="utf-8"))
        for version in versions(record_dir / "fixtures", "avro"):
            name = f"{record_dir.parent.name}/{record_dir.name}/v{version}"
            try:
                body = (record_dir / "fixtures" / f"v{version}.avro").read_bytes()
                writer = load_schema(record_dir / f"v{version}.avsc")
                stream = io.BytesIO(body)
                value = fastavro.schemaless_reader(stream, writer, reader)
                if stream.tell() != len(body):
                    raise ValueError(f"read {stream.tell()} of {len(body)} bytes")
                print(json.dumps({"fixture": name, "value": to_json(raw_reader, value, {})}, ensure_ascii=False))
            except Exception as error:  # every fixture is reported, not only the first failure
                failures += 1
                print(f"error: {name}: {type(error).__name__}: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
