"""The OpenAPI document's component schemas, with the rule of every validator.

Every model the API reads or answers is written here by :class:`ApiJsonSchema`, which
adds to the schema of each validated type or model the rule its validator enforces (see
api.openapi.rules).

Patterns are written so every regex engine reads them alike: ``\\s`` means different
characters to Python, to the Rust engine pydantic validates with and to ECMA-262, which
the document's readers use, so it is spelled out as the characters the server means.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema
from starlette.routing import BaseRoute

from api.openapi.rules import DECLARED, UNICODE_SPACE, Rule

REF_TEMPLATE = "#/components/schemas/{model}"


def portable_pattern(pattern: str) -> str:
    """``pattern`` with ``\\s`` and ``\\S`` spelled out as Unicode's White_Space.

    Pydantic checks a ``Field(pattern=...)`` with Rust's regex engine, where ``\\s`` is
    Unicode's White_Space; ECMA-262, the document's dialect, leaves out U+0085 and
    adds U+FEFF. Spelled out, every reader of the document refuses what the server does.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            if escaped == "s":
                out.append(UNICODE_SPACE if in_class else f"[{UNICODE_SPACE}]")
            elif escaped == "S" and not in_class:
                out.append(f"[^{UNICODE_SPACE}]")
            elif escaped == "S":
                raise ValueError(f"cannot spell out \\S inside a class: {pattern}")
            else:
                out.append(char + escaped)
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


def with_rules(schema: dict[str, Any], rules: Iterable[Rule]) -> dict[str, Any]:
    """``schema`` with each of ``rules`` added to it."""
    merged = dict(schema)
    for rule in rules:
        if "anyOf" in rule:
            merged["allOf"] = [*merged.get("allOf", []), rule]
            continue
        for key, value in rule.items():
            if key == "properties":
                # A property a model no longer has takes no rule (its validator's check
                # of it went with it).
                properties = dict(merged["properties"])
                for name, addition in value.items():
                    if name in properties:
                        properties[name] = _added(properties[name], addition)
                merged["properties"] = properties
            elif key == "+description":
                merged["description"] = " ".join(
                    part for part in (merged.get("description"), value) if part
                )
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def _added(schema: dict[str, Any], addition: Mapping[str, Any]) -> dict[str, Any]:
    """A property's schema with ``addition``, put in its array branch if it is nullable."""
    branches = schema.get("anyOf")
    if branches and "uniqueItems" in addition:
        return {
            **schema,
            "anyOf": [
                {**branch, **addition} if branch.get("type") == "array" else branch
                for branch in branches
            ],
        }
    return {**schema, **addition}


class ApiJsonSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, plus the rule of every validator listed in DECLARED."""

    def function_after_schema(
        self, schema: core_schema.AfterValidatorFunctionSchema
    ) -> JsonSchemaValue:
        """The validated type's schema with its validator's rule added."""
        json_schema = super().function_after_schema(schema)
        function = schema["function"]["function"]
        rules = DECLARED.get(getattr(function, "__func__", function))
        if rules is None:
            return json_schema
        if "$ref" in json_schema:
            return with_rules({"allOf": [json_schema]}, rules)
        return with_rules(json_schema, rules)

    def set_schema(self, schema: core_schema.SetSchema) -> JsonSchemaValue:
        """A set as a list; an item listed twice counts once, so none is refused."""
        json_schema = super().set_schema(schema)
        json_schema.pop("uniqueItems", None)
        return json_schema

    def frozenset_schema(self, schema: core_schema.FrozenSetSchema) -> JsonSchemaValue:
        """A frozen set as a list; an item listed twice counts once, so none is refused."""
        json_schema = super().frozenset_schema(schema)
        json_schema.pop("uniqueItems", None)
        return json_schema

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        """A string's schema, its pattern written for every regex engine alike."""
        json_schema = super().str_schema(schema)
        if "pattern" in json_schema:
            json_schema["pattern"] = portable_pattern(json_schema["pattern"])
        return json_schema


def models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """The models a response annotation names, e.g. ExportRow in list[ExportRow]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from models_in(argument)


def route_models(routes: Iterable[BaseRoute]) -> Iterator[type[BaseModel]]:
    """Every model a route answers with, its own or in its documented error responses."""
    for route in iter_route_contexts(list(routes)):
        yield from models_in(getattr(route, "response_model", None))
        for response in (getattr(route, "responses", None) or {}).values():
            yield from models_in(response.get("model"))


def component_schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """The component schemas of ``models`` and every model nested in them."""
    unique = list(dict.fromkeys(models))
    if not unique:
        return {}
    _, document = models_json_schema(
        [(model, "validation") for model in unique],
        ref_template=REF_TEMPLATE,
        schema_generator=ApiJsonSchema,
    )
    schemas: dict[str, Any] = document.get("$defs", {})
    return schemas
