"""Writes of the Open311 endpoint: apps and their keys, and reports that become cases of the desk.

A report is filed through ``linli.servicedesk.services.submit_case`` (channel ``open311``), so it gets the
same routing, SLA and history as a case entered at the desk; this module only adds where it came from.
"""

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.services import record_audit_event
from linli.servicedesk.models import Case, Channel, FieldType, ServiceItem
from linli.servicedesk.open311.location import locate
from linli.servicedesk.open311.models import (
    Open311ApiKey,
    Open311App,
    Open311Report,
    Open311Service,
    RequestType,
)
from linli.servicedesk.open311.parsing import NewRequest, Reporter
from linli.servicedesk.services import submit_case

KEY_PREFIX = "o311_"
_CJK = re.compile(r"[\u3400-\u9fff]")


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _require_catalogue_manager(actor: Any) -> None:
    if not has_capability(actor, Capability.MANAGE_CATALOGUE):
        raise DomainError("not_permitted", _("Only those who manage the service catalogue may do this."))


@transaction.atomic
def register_app(*, actor: Any, name: str, contact: str = "") -> Open311App:
    """Register an app that may post reports; those who manage the catalogue register apps."""
    _require_catalogue_manager(actor)
    if not name.strip():
        raise DomainError("name_required", _("Give the app a name."), field="name")
    app = Open311App.objects.create(name=name.strip()[:100], contact=contact.strip()[:200], created_by=actor)
    record_audit_event(
        actor=actor, action="open311.app_registered", object_type="open311_app", object_id=app.pk
    )
    return app


@transaction.atomic
def issue_api_key(*, actor: Any, app: Open311App) -> tuple[Open311ApiKey, str]:
    """A new api_key for the app; the key is returned once and only its hash is kept."""
    _require_catalogue_manager(actor)
    key = f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"
    api_key = Open311ApiKey.objects.create(
        app=app, key_hash=api_key_hash(key), prefix=key[: len(KEY_PREFIX) + 6], created_by=actor
    )
    record_audit_event(
        actor=actor,
        action="open311.key_issued",
        object_type="open311_app",
        object_id=app.pk,
        data={"key": api_key.prefix},
    )
    return api_key, key


@transaction.atomic
def revoke_api_key(*, actor: Any, api_key: Open311ApiKey, now: dt.datetime | None = None) -> Open311ApiKey:
    """Stop a key at once; reports it sent stay."""
    _require_catalogue_manager(actor)
    now = now or timezone.now()
    Open311ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now)
    api_key.refresh_from_db(fields=["revoked_at"])
    record_audit_event(
        actor=actor,
        action="open311.key_revoked",
        object_type="open311_app",
        object_id=api_key.app_id,
        data={"key": api_key.prefix},
    )
    return api_key


@transaction.atomic
def set_app_active(*, actor: Any, app: Open311App, active: bool) -> Open311App:
    """Stop (or restart) an app: its keys stop working while it is inactive."""
    _require_catalogue_manager(actor)
    Open311App.objects.filter(pk=app.pk).update(active=active)
    app.active = active
    record_audit_event(
        actor=actor,
        action="open311.app_activated" if active else "open311.app_deactivated",
        object_type="open311_app",
        object_id=app.pk,
    )
    return app


@transaction.atomic
def set_request_type(*, actor: Any, item: ServiceItem, request_type: str) -> Open311Service:
    """How POST requests answers for the item: realtime (the id), batch (a token) or blackbox (neither)."""
    _require_catalogue_manager(actor)
    if request_type not in RequestType.values:
        raise DomainError("unknown_request_type", _("Unknown request type."), field="request_type")
    setting, _created = Open311Service.objects.update_or_create(
        item=item, defaults={"request_type": request_type}
    )
    # object_type "open311_service": the discovery changeset moves with it.
    record_audit_event(
        actor=actor,
        action="open311.request_type",
        object_type="open311_service",
        object_id=item.pk,
        data={"item": item.code, "request_type": request_type},
    )
    return setting


def request_type_of(item: ServiceItem) -> str:
    """The item's Open311 ``type``; realtime unless set otherwise."""
    setting = Open311Service.objects.filter(item=item).values_list("request_type", flat=True).first()
    return setting or RequestType.REALTIME


def reporter_name(reporter: Reporter) -> str:
    """The name as people write it: family name first in Chinese, given name first otherwise."""
    first, last = reporter.first_name, reporter.last_name
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def answers_for(item: ServiceItem, attributes: dict[str, list[str]]) -> dict[str, Any]:
    """``attribute[code]`` values in the shape the desk's form fields take: a list for a multiple choice,
    a single value otherwise."""
    answers: dict[str, Any] = {}
    for form_field in item.fields.all():
        values = attributes.get(form_field.code)
        if not values:
            continue
        answers[form_field.code] = values if form_field.datatype == FieldType.MULTIPLE else values[0]
    return answers


@dataclass(frozen=True)
class SubmittedReport:
    case: Case
    report: Open311Report
    request_type: str


@transaction.atomic
def submit_report(
    *,
    api_key: Open311ApiKey,
    item: ServiceItem,
    new: NewRequest,
    district: Area,
    now: dt.datetime | None = None,
) -> SubmittedReport:
    """File a report from an app as a case of the desk, at the place it names, and keep its token.

    The desk checks the answers, routes the case and starts its SLA; its DomainErrors pass through.
    """
    place = locate(new.location, district=district)
    case = submit_case(
        actor=None,
        item=item,
        answers=answers_for(item, new.attributes),
        channel=Channel.OPEN311,
        description=new.description,
        requester_name=reporter_name(new.reporter),
        requester_phone=new.reporter.phone,
        requester_email=new.reporter.email,
        latitude=place.latitude,
        longitude=place.longitude,
        address_string=new.location.address_string or place.address,
        address_id=new.location.address_id,
        media_url=new.media_url,
        area=place.area,
        now=now,
    )
    report = Open311Report.objects.create(
        case=case,
        app_id=api_key.app_id,
        token=secrets.token_urlsafe(12),
        device_id=new.reporter.device_id,
        account_id=new.reporter.account_id,
    )
    record_audit_event(
        actor=None,
        action="open311.report",
        object_type="case",
        object_id=case.pk,
        area_code=case.area_code,
        data={"app": api_key.app_id, "key": api_key.prefix},
    )
    return SubmittedReport(case=case, report=report, request_type=request_type_of(item))
