"""The spec's example documents and JSON schemas (copied under ``spec/``), read for comparison."""

import importlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

SPEC = Path(__file__).parent / "spec"


def _body(name: str) -> str:
    text = (SPEC / "examples" / name).read_text(encoding="utf-8")
    # The error examples start with their HTTP status line.
    start = min(i for i in (text.find("<?xml"), text.find("["), text.find("{")) if i >= 0)
    return text[start:]


def example_xml(name: str) -> ET.Element:
    return ET.fromstring(_body(name).encode())  # noqa: S314 - the spec's files in this repository


def example_json(name: str) -> Any:
    # The examples write codes such as 001 as bare numbers, which JSON does not allow: read them as strings.
    return json.loads(re.sub(r'":\s*(0\d+)(?=\s*[,}\n])', r'":"\1"', _body(name)))


def xml_shape(element: ET.Element) -> Any:
    """The tags of a document and of its children, without the values; repeated children counted once."""
    children = list(element)
    if not children:
        return element.tag
    shapes: list[Any] = []
    for child in children:
        shape = xml_shape(child)
        if shape not in shapes:
            shapes.append(shape)
    return {element.tag: sorted(shapes, key=repr)}


def json_shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: json_shape(child) for key, child in sorted(value.items())}
    if isinstance(value, list):
        shapes: list[Any] = []
        for child in value:
            shape = json_shape(child)
            if shape not in shapes:
                shapes.append(shape)
        return shapes
    return "leaf"


def schema_validator(name: str) -> Any:
    """A jsonschema validator for one of the spec's schemas, resolving its relative ``$ref``s."""
    # A dev dependency: the tests that call this skip when it is not installed.
    jsonschema: Any = importlib.import_module("jsonschema")
    referencing: Any = importlib.import_module("referencing")
    draft7 = importlib.import_module("referencing.jsonschema").DRAFT7

    schemas = {path.name: json.loads(path.read_text()) for path in (SPEC / "schemas").glob("*.json")}
    registry = referencing.Registry().with_resources(
        (file_name, referencing.Resource.from_contents(schema, default_specification=draft7))
        for file_name, schema in schemas.items()
    )
    validator_class = jsonschema.validators.validator_for(schemas[name], default=jsonschema.Draft7Validator)
    return validator_class(schemas[name], registry=registry, format_checker=validator_class.FORMAT_CHECKER)
