"""Checking a command's JSON document against the JSON Schema chainwatch ships for it."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from chainwatch.schemas import COMMANDS, load_schema


def validator(command: str) -> Draft202012Validator:
    schemas = [load_schema(name) for name in ("common", *COMMANDS)]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    schema = load_schema(command)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry)


def assert_valid(command: str, document: dict[str, Any]) -> None:
    errors = sorted(validator(command).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
