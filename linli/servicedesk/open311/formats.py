"""GeoReport v2 documents in XML and JSON, from one tree of plain values.

The JSON form is the Spark mapping of the XML (spec, "JSON Support"): a container element whose children
repeat becomes an array, a leaf becomes a string, number, boolean or null. The XML carries the declaration
with ``encoding="utf-8"`` and no namespace (spec, "Encoding" and "XML Support").
"""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.http import HttpResponse
from django.utils import timezone


class Format(StrEnum):
    XML = "xml"
    JSON = "json"


CONTENT_TYPES = {
    Format.XML: "text/xml; charset=utf-8",
    Format.JSON: "application/json; charset=utf-8",
}
MIME_TYPES = ("text/xml", "application/json")

# The element each repeated child of a container is called in XML; in JSON the container is an array.
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

Value = None | bool | int | float | Decimal | str | dt.datetime | Mapping[str, Any] | Sequence[Any]


def w3_datetime(value: dt.datetime) -> str:
    """ISO 8601 with the offset of the district's time zone, to the second: ``2024-05-01T09:30:00+08:00``."""
    return timezone.localtime(value).isoformat(timespec="seconds")


# Characters XML 1.0 cannot carry at all, even escaped; a reporter's text may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _leaf_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3_datetime(value)
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, tag: str, value: Value) -> None:
    element = ET.SubElement(parent, tag)
    _fill(element, tag, value)


def _fill(element: ET.Element, tag: str, value: Value) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_tag = ITEM_TAGS[tag]
        for child in value:
            _append(element, item_tag, child)
    else:
        element.text = _leaf_text(value)


def to_xml(root: str, value: Value) -> str:
    element = ET.Element(root)
    _fill(element, root, value)
    ET.indent(element, space="    ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode") + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _json_value(child) for key, child in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_json_value(child) for child in value]
    if isinstance(value, dt.datetime):
        return w3_datetime(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_json(value: Value) -> str:
    return json.dumps(_json_value(value), ensure_ascii=False, indent=2) + "\n"


def render(fmt: Format, root: str, value: Value, *, status: int = 200) -> HttpResponse:
    """One document: ``root`` names the XML root element; JSON drops it as the Spark mapping does."""
    body = to_xml(root, value) if fmt is Format.XML else to_json(value)
    return HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES[fmt])
