"""The GeoReport v2 documents, field by field in the spec's order, from the desk's items and cases.

Values follow the JSON schemas of the spec's validation files: ids, codes and keys are strings, lat and
long numbers, an empty value is null in JSON and an empty element in XML.
"""

import datetime as dt
from typing import Any

from django.utils.translation import get_language, ngettext

from linli.servicedesk.models import CLOSED_STATUSES, Channel, FormField, ServiceItem
from linli.servicedesk.open311.formats import MIME_TYPES
from linli.servicedesk.open311.redaction import scrub_personal_data

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _english() -> bool:
    return (get_language() or "").startswith("en")


def localized(name: str, name_en: str) -> str:
    """The English name when the request asks for English and there is one; the Chinese one otherwise."""
    return name_en if _english() and name_en else name


def _or_none[T](value: T | None) -> T | None:
    return None if value is None or value == "" else value


def service_notice(sla_amount: int, sla_unit: str) -> str:
    if sla_unit == "hours":
        return ngettext("Handled within %(n)d hour.", "Handled within %(n)d hours.", sla_amount) % {
            "n": sla_amount
        }
    return ngettext("Handled within %(n)d working day.", "Handled within %(n)d working days.", sla_amount) % {
        "n": sla_amount
    }


def attribute_fields(item: ServiceItem) -> list[FormField]:
    """The item's fields that an app can answer: every typed field but files (materials go on site)."""
    return [field for field in item.fields.all() if field.open311_datatype is not None]


def service_document(item: ServiceItem, request_type: str) -> dict[str, Any]:
    return {
        "service_code": item.code,
        "service_name": localized(item.name, item.name_en),
        "description": _or_none(localized(item.description, item.description_en)),
        "metadata": bool(attribute_fields(item)),
        "type": request_type,
        "keywords": _or_none(item.keywords),
        "group": _or_none(item.category),
    }


def _attribute(field: FormField, order: int) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "variable": True,
        "code": field.code,
        "datatype": field.open311_datatype,
        "required": field.required,
        "datatype_description": _or_none(field.description),
        # Spec: "any positive integer not used for other attributes in the same service_code".
        "order": order,
        "description": localized(field.label, field.label_en),
    }
    if field.open311_datatype in ("singlevaluelist", "multivaluelist"):
        attribute["values"] = [
            {
                "key": str(value.get("key", "")),
                "name": localized(value.get("name", ""), value.get("name_en", "")),
            }
            for value in field.values
        ]
    return attribute


def service_definition_document(item: ServiceItem) -> dict[str, Any]:
    fields = attribute_fields(item)
    return {
        "service_code": item.code,
        "attributes": [_attribute(field, order) for order, field in enumerate(fields, start=1)],
    }


def request_document(row: dict[str, Any]) -> dict[str, Any]:
    """One service request as the public sees it, built field by field: nothing else of the row goes out.

    The description is returned for reports that came in through Open311 only; it, the address and the
    status notes (the history's public notes) are scrubbed of phone numbers, ID numbers, email addresses
    and the names the case knows (see ``linli.servicedesk.open311.redaction``)."""
    closed = row["status"] in CLOSED_STATUSES
    names = tuple(name for name in (row.get("requester_name"), row.get("resident__name")) if name)

    def public(text: str | None) -> str | None:
        return _or_none(scrub_personal_data(text or "", names=names))

    description = row["description"] if row["channel"] == Channel.OPEN311 else ""
    updated = row["closed_at"] if closed and row["closed_at"] else row["updated_at"]
    return {
        "service_request_id": row["number"],
        "status": "closed" if closed else "open",
        "status_notes": public(row.get("public_note")),
        "service_name": localized(row["item__name"], row["item__name_en"]),
        "service_code": row["item__code"],
        "description": public(description),
        "agency_responsible": _or_none(localized(row["queue__name"], row["queue__name_en"])),
        "service_notice": service_notice(row["item__sla_amount"], row["item__sla_unit"]),
        "requested_datetime": row["submitted_at"],
        "updated_datetime": updated,
        "expected_datetime": row["due_at"],
        "address": public(row["address_string"]),
        "address_id": _or_none(row["address_id"]),
        "zipcode": None,
        "lat": row["latitude"],
        "long": row["longitude"],
        "media_url": _or_none(row["media_url"]) if row["channel"] == Channel.OPEN311 else None,
    }


def created_document(*, number: str, token: str, request_type: str, notice: str) -> dict[str, Any]:
    """The answer to POST requests: the id for a realtime service, a token for a batch one, neither for a
    blackbox one. account_id is not returned: Linli keeps no accounts for app users."""
    document: dict[str, Any] = {}
    if request_type == "realtime":
        document["service_request_id"] = number
    elif request_type == "batch":
        document["token"] = token
    document["service_notice"] = notice
    document["account_id"] = None
    return document


def token_document(*, number: str, token: str) -> dict[str, Any]:
    return {"service_request_id": number, "token": token}


def discovery_document(
    *, changeset: dt.datetime, contact: str, key_service: str, url: str, endpoint_type: str
) -> dict[str, Any]:
    stamp = changeset.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": stamp,
                "type": endpoint_type,
                "formats": list(MIME_TYPES),
            }
        ],
    }
