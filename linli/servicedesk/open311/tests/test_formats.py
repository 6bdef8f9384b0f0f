"""The two formats of one document: XML with its declaration and no namespace, JSON as its Spark mapping."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

from linli.servicedesk.open311.errors import Open311Error, render_error
from linli.servicedesk.open311.formats import Format, render, to_json, to_xml, w3_datetime
from linli.servicedesk.open311.tests.spec import example_json, example_xml, json_shape, xml_shape

REQUEST = {
    "service_request_id": "202603040000001",
    "token": None,
    "lat": 39.94,
    "metadata": True,
    "requested_datetime": dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC),
}


def test_xml_has_the_utf8_declaration_and_repeats_children_under_their_container():
    text = to_xml("service_requests", [REQUEST, REQUEST])

    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<service_requests>')
    root = ET.fromstring(text.encode())  # noqa: S314 - our own output
    assert [child.tag for child in root] == ["request", "request"]
    assert root.findtext("request/token") == ""
    assert root.findtext("request/metadata") == "true"
    assert root.findtext("request/requested_datetime") == "2026-03-04T10:00:00+08:00"
    assert "xmlns" not in text


def test_json_is_the_same_tree_without_the_root():
    assert json.loads(to_json([REQUEST])) == [
        {
            "service_request_id": "202603040000001",
            "token": None,
            "lat": 39.94,
            "metadata": True,
            "requested_datetime": "2026-03-04T10:00:00+08:00",
        }
    ]


def test_datetimes_are_w3_with_the_offset_to_the_second():
    assert w3_datetime(dt.datetime(2026, 3, 4, 2, 0, 5, 123456, tzinfo=dt.UTC)) == "2026-03-04T10:00:05+08:00"


def test_chinese_text_is_sent_as_utf8_not_escaped():
    response = render(Format.JSON, "services", [{"service_name": "路灯损坏"}])

    assert "路灯损坏".encode() in response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_characters_xml_cannot_carry_are_dropped_from_xml_only():
    text = to_xml("service_requests", [{"description": "灯\x0b不亮\x00"}])

    assert ET.fromstring(text.encode()).findtext("request/description") == "灯不亮"  # noqa: S314


def test_errors_have_the_spec_s_shape_in_both_formats():
    error = Open311Error(403, "Invalid api_key received -- can't proceed with create_request.")

    as_xml = render_error(Format.XML, error)
    as_json = render_error(Format.JSON, error)

    assert as_xml.status_code == as_json.status_code == 403
    root = ET.fromstring(as_xml.content)  # noqa: S314 - our own output
    assert xml_shape(root) == xml_shape(example_xml("13_Errors_xml-errors.xml"))
    assert json.loads(as_json.content) == example_json("14_Errors_json-errors.json")
    assert json_shape(json.loads(as_json.content)) == json_shape(example_json("14_Errors_json-errors.json"))


def test_several_errors_come_back_together():
    error = Open311Error(400, "service_code was not provided.", "A location is required.")

    assert [e["description"] for e in json.loads(render_error(Format.JSON, error).content)] == [
        "service_code was not provided.",
        "A location is required.",
    ]
