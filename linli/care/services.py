"""Writes of the care app: generate the plans from the rules, record visits, reassign, set rules, register
volunteers. A need found on a visit opens a service-desk case through ``linli.servicedesk.services``."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.models import Membership
from linli.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from linli.care.models import CarePlan, CareRule, Visit, VisitMethod, VisitNeed, VisitOutcome, Volunteer
from linli.care.needs import NEEDS_BY_CODE
from linli.care.rules import RuleRow, deciding_rule, rules_in_force
from linli.care.selectors import active_tag_condition, rule_rows
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.phones import normalize_mobile
from linli.core.services import record_audit_event
from linli.registry.choices import TAG_LEVELS, ResidenceStatus, Tag
from linli.registry.models import TagAssignment
from linli.servicedesk import selectors as desk_selectors
from linli.servicedesk import services as desk_services

if TYPE_CHECKING:
    Upload = UploadedFile[bytes]
else:
    Upload = UploadedFile

# People who still live in the district are visited; those who moved out or died are not.
VISITED_STATUSES = (ResidenceStatus.LIVING_HERE, ResidenceStatus.AWAY)
# How far back a visit may be recorded after the fact.
MAX_LATE_DAYS = 30
BATCH = 1000
# The same visit saved again within this time is a repeated tap on "Save".
DOUBLE_TAP_WINDOW = dt.timedelta(minutes=5)

# --- generation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationResult:
    created: int
    updated: int
    ended: int

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.ended


@dataclass(frozen=True)
class Wanted:
    area_id: int
    area_code: str
    rule: RuleRow


def _wanted_plans(rules: list[RuleRow], today: dt.date, area_prefix: str) -> dict[int, Wanted]:
    """For each resident a rule applies to: their area and the rule with the shortest interval."""
    tags = {rule.tag for rule in rules if rule.is_active}
    rows = (
        TagAssignment.objects.filter(
            active_tag_condition(today),
            tag__in=tags,
            resident__merged_into__isnull=True,
            resident__residence_status__in=VISITED_STATUSES,
            resident__area__code__startswith=area_prefix,
        )
        .order_by()
        .values_list("resident_id", "resident__area_id", "resident__area__code", "tag", "level")
    )
    held: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    areas: dict[int, tuple[int, str]] = {}
    for resident_id, area_id, area_code, tag, level in rows.iterator(chunk_size=5000):
        held[resident_id].append((tag, level))
        areas[resident_id] = (area_id, area_code)
    in_force: dict[str, Any] = {}
    wanted: dict[int, Wanted] = {}
    for resident_id, tag_levels in held.items():
        area_id, area_code = areas[resident_id]
        if area_code not in in_force:
            in_force[area_code] = rules_in_force(rules, area_code)
        rule = deciding_rule(in_force[area_code], tag_levels)
        if rule is not None:
            wanted[resident_id] = Wanted(area_id, area_code, rule)
    return wanted


class _Visitors:
    """Who may visit where: grid workers by area (for automatic assignment) and every visiting role."""

    def __init__(self) -> None:
        roles = [role for role in Role if Capability.RECORD_VISITS in ROLE_CAPABILITIES[role]]
        self.grid_workers: dict[str, int] = {}
        self.scopes: dict[int, list[str]] = defaultdict(list)
        memberships = (
            Membership.objects.filter(role__in=roles, user__is_active=True, user__kind="staff")
            .order_by("user_id")
            .values_list("user_id", "area__code", "role")
        )
        for user_id, code, role in memberships:
            self.scopes[user_id].append(code)
            if role == Role.GRID_WORKER:
                self.grid_workers.setdefault(code, user_id)
        self.volunteers = set(Volunteer.objects.filter(is_active=True).values_list("id", flat=True))

    def grid_worker_for(self, area_code: str) -> int | None:
        """The grid worker of the grid, or of its community when the grid has none."""
        return self.grid_workers.get(area_code) or self.grid_workers.get(area_code[:12])

    def still_valid(self, plan: CarePlan) -> bool:
        if plan.volunteer_id is not None:
            return plan.volunteer_id in self.volunteers
        if plan.assignee_id is not None:
            return any(plan.area_code.startswith(code) for code in self.scopes.get(plan.assignee_id, []))
        return False


PLAN_FIELDS = (
    "resident_id",
    "area_id",
    "area_code",
    "rule_id",
    "interval_days",
    "assignee_id",
    "volunteer_id",
    "next_due",
    "last_visit_on",
    "started_on",
    "ended_on",
)


@transaction.atomic
def generate_care_plans(*, today: dt.date | None = None, area_prefix: str = "") -> GenerationResult:
    """Bring the care plans in line with the rules: a plan for each resident a rule applies to (due at
    once when new), the interval of its shortest rule, a visitor for each plan without a valid one, and an
    end to plans no rule applies to any more. Set-based and idempotent: a second run changes nothing.

    ``area_prefix`` limits the run to the residents living below that area (after a rule changes there).
    """
    today = today or timezone.localdate()
    rules = rule_rows()
    wanted = _wanted_plans(rules, today, area_prefix)
    visitors = _Visitors()
    # Locked while the run decides, so a visit recorded meanwhile waits and is never overwritten.
    existing = (
        CarePlan.objects.filter(resident__area__code__startswith=area_prefix)
        .select_for_update(of=("self",))
        .only(*PLAN_FIELDS)
    )
    seen: set[int] = set()
    changed: list[CarePlan] = []
    ended = 0
    for plan in existing.iterator(chunk_size=2000):
        seen.add(plan.resident_id)
        want = wanted.get(plan.resident_id)
        before = tuple(getattr(plan, name) for name in PLAN_FIELDS)
        if want is None:
            if plan.ended_on is None:
                plan.ended_on = today
                ended += 1
                changed.append(plan)
            continue
        if plan.ended_on is not None:
            plan.ended_on = None
            plan.next_due = _due_after(plan.last_visit_on, want.rule.interval_days, today)
        if plan.area_id != want.area_id:
            plan.area_id, plan.area_code = want.area_id, want.area_code
        if plan.rule_id != want.rule.id or plan.interval_days != want.rule.interval_days:
            plan.rule_id, plan.interval_days = want.rule.id, want.rule.interval_days
            if plan.last_visit_on is not None:
                plan.next_due = plan.last_visit_on + dt.timedelta(days=plan.interval_days)
        if not visitors.still_valid(plan):
            plan.volunteer_id = None
            plan.assignee_id = visitors.grid_worker_for(plan.area_code)
        if tuple(getattr(plan, name) for name in PLAN_FIELDS) != before:
            changed.append(plan)
    fields = [name.removesuffix("_id") for name in PLAN_FIELDS if name != "resident_id"]
    CarePlan.objects.bulk_update(changed, fields, batch_size=BATCH)
    new = [
        CarePlan(
            resident_id=resident_id,
            area_id=want.area_id,
            area_code=want.area_code,
            rule_id=want.rule.id,
            interval_days=want.rule.interval_days,
            assignee_id=visitors.grid_worker_for(want.area_code),
            next_due=today,
            started_on=today,
        )
        for resident_id, want in wanted.items()
        if resident_id not in seen
    ]
    # A run at the same moment (the command beside the daily job) may have made some: keep theirs.
    CarePlan.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    result = GenerationResult(created=len(new), updated=len(changed) - ended, ended=ended)
    if result.changed:
        record_audit_event(
            actor=None,
            action="care.generate",
            object_type="care_plan",
            area_code=area_prefix,
            data={"created": result.created, "updated": result.updated, "ended": result.ended},
        )
    return result


def _due_after(last_visit_on: dt.date | None, interval_days: int, today: dt.date) -> dt.date:
    return last_visit_on + dt.timedelta(days=interval_days) if last_visit_on is not None else today


# --- visits ---------------------------------------------------------------------------------------


def _check_photo(photo: Upload) -> str:
    """A visit photo is a JPG or PNG within the service desk's upload limit, checked by its content."""
    try:
        content_type = desk_services.sniff_upload(photo)
    except DomainError as error:
        raise DomainError(error.code, error.message, field="photo") from error
    if not content_type.startswith("image/"):
        raise DomainError("photo_type", _("Please take a photo (JPG or PNG)."), field="photo")
    return content_type


@transaction.atomic
def record_visit(
    *,
    actor: Any,
    plan: CarePlan,
    method: str,
    outcome: str,
    needs: Sequence[str] = (),
    note: str = "",
    photo: Upload | None = None,
    visited_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Visit:
    """Record a visit or call. A reached resident's next visit falls one interval after this one; a
    resident not reached stays due. Each need found opens a service-desk case on the resident's behalf
    (consent: asked on the visit)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    locked = (
        CarePlan.objects.select_for_update(of=("self",))
        .select_related("resident__household__head", "area")
        .get(pk=plan.pk)
    )
    if not has_capability(actor, Capability.RECORD_VISITS, locked.area_code):
        raise DomainError("not_allowed", _("This resident is not in your area."))
    if locked.ended_on is not None:
        raise DomainError("plan_ended", _("This resident no longer needs care visits."))
    if method not in VisitMethod.values:
        raise DomainError("visit_method", _("Choose how you visited."), field="method")
    if outcome not in VisitOutcome.values:
        raise DomainError("visit_outcome", _("Choose how it went."), field="outcome")
    visited_on = visited_on or today
    if visited_on > today:
        raise DomainError("visit_in_future", _("The visit cannot be in the future."), field="visited_on")
    if visited_on < today - dt.timedelta(days=MAX_LATE_DAYS):
        raise DomainError(
            "visit_too_old",
            _("Visits older than %(days)d days cannot be recorded.") % {"days": MAX_LATE_DAYS},
            field="visited_on",
        )
    unknown = [code for code in needs if code not in NEEDS_BY_CODE]
    if unknown:
        raise DomainError("unknown_need", _("Unknown need."), field="needs")
    if needs and outcome != VisitOutcome.NEEDS_HELP:
        raise DomainError(
            "needs_mean_help", _("You chose needs: choose 'Needs help' as the outcome."), field="outcome"
        )
    if outcome == VisitOutcome.NEEDS_HELP and not needs and not note.strip():
        raise DomainError("help_unsaid", _("Tap the help needed or write it in the note."), field="needs")
    _refuse_a_double_tap(locked, actor, method, outcome, visited_on, note, needs, now)
    photo_type = _check_photo(photo) if photo is not None else ""
    # The cases first: a need refused leaves neither a visit nor a stored photo behind.
    cases = [(code, _open_case(actor, locked, code, note, now)) for code in dict.fromkeys(needs)]
    visit = Visit.objects.create(
        plan=locked,
        resident=locked.resident,
        area_code=locked.area_code,
        visitor=actor,
        method=method,
        outcome=outcome,
        visited_at=now
        if visited_on == today
        else timezone.make_aware(dt.datetime.combine(visited_on, dt.time(12))),
        visited_on=visited_on,
        was_due_on=locked.next_due,
        note=note.strip(),
        photo=photo or "",
        photo_type=photo_type,
        recorded_at=now,
    )
    VisitNeed.objects.bulk_create([VisitNeed(visit=visit, need=code, case=case) for code, case in cases])
    if visit.reached and (locked.last_visit_on is None or visited_on >= locked.last_visit_on):
        locked.last_visit_on = visited_on
        locked.next_due = visited_on + dt.timedelta(days=locked.interval_days)
        locked.save(update_fields=["last_visit_on", "next_due"])
    record_audit_event(
        actor=actor,
        action="care.visit",
        object_type="care_visit",
        object_id=visit.pk,
        area_code=locked.area_code,
        data={"plan": locked.pk, "outcome": outcome, "method": method, "needs": list(needs)},
    )
    return visit


def _refuse_a_double_tap(
    plan: CarePlan,
    actor: Any,
    method: str,
    outcome: str,
    visited_on: dt.date,
    note: str,
    needs: Sequence[str],
    now: dt.datetime,
) -> None:
    """The same visit saved again by the same visitor within minutes is a repeated tap, not a new visit:
    it would open every case a second time. Runs under the plan's lock, so two requests at once serialise."""
    recent = Visit.objects.filter(
        plan=plan,
        visitor=actor,
        method=method,
        outcome=outcome,
        visited_on=visited_on,
        note=note.strip(),
        recorded_at__gt=now - DOUBLE_TAP_WINDOW,
        recorded_at__lte=now,
    ).prefetch_related("needs")
    for earlier in recent:
        if {need.need for need in earlier.needs.all()} == set(needs):
            raise DomainError("visit_duplicate", _("This visit was already saved."))


def _open_case(actor: Any, plan: CarePlan, code: str, note: str, now: dt.datetime) -> Any:
    need = NEEDS_BY_CODE[code]
    item = desk_selectors.item_by_code(need.item_code)
    if item is None:
        raise DomainError("need_item_missing", _("This help cannot be requested here."), field="needs")
    with override(settings.LANGUAGE_CODE):
        label = str(need.label)
        consent_note = gettext("Asked on a care visit")
    try:
        return desk_services.submit_case(
            actor=actor,
            item=item,
            answers=need.answers(plan.resident, note, label),
            channel="on_behalf",
            resident=plan.resident,
            description=note.strip() or label,
            consent_method="visit",
            consent_note=consent_note,
            now=now,
        )
    except DomainError as error:
        raise DomainError(
            error.code,
            _("%(need)s: %(message)s") % {"need": need.label, "message": error.message},
            field="needs",
        ) from error


# --- assignment, rules, volunteers ----------------------------------------------------------------


@transaction.atomic
def assign_care_plan(
    *, actor: Any, plan: CarePlan, assignee: Any = None, volunteer: Volunteer | None = None
) -> CarePlan:
    """A director gives a plan to a worker who visits in its area, or to a volunteer of the area."""
    locked = CarePlan.objects.select_for_update().get(pk=plan.pk)
    if not has_capability(actor, Capability.MANAGE_CARE_PLANS, locked.area_code):
        raise DomainError("not_allowed", _("You may not assign visits here."), field="assignee")
    if (assignee is None) == (volunteer is None):
        raise DomainError("one_visitor", _("Choose one worker or one volunteer."), field="assignee")
    if assignee is not None and not has_capability(assignee, Capability.RECORD_VISITS, locked.area_code):
        raise DomainError("visitor_out_of_scope", _("This person does not visit here."), field="assignee")
    covers = volunteer is not None and locked.area_code.startswith(volunteer.area_code)
    if volunteer is not None and not (volunteer.is_active and covers):
        raise DomainError("visitor_out_of_scope", _("This volunteer does not visit here."), field="volunteer")
    previous = {"assignee": locked.assignee_id, "volunteer": locked.volunteer_id}
    locked.assignee = assignee
    locked.volunteer = volunteer
    locked.save(update_fields=["assignee", "volunteer"])
    record_audit_event(
        actor=actor,
        action="care.assign",
        object_type="care_plan",
        object_id=locked.pk,
        area_code=locked.area_code,
        data={"from": previous, "to": {"assignee": locked.assignee_id, "volunteer": locked.volunteer_id}},
    )
    return locked


@transaction.atomic
def set_care_rule(
    *,
    actor: Any,
    area: Area,
    tag: str,
    max_level: int,
    interval_days: int,
    is_active: bool = True,
    today: dt.date | None = None,
) -> CareRule:
    """Set an area's rule for a tag (and grade bound), overriding the rule above it; then bring the
    area's plans in line."""
    if not has_capability(actor, Capability.MANAGE_CARE_PLANS, area.code):
        raise DomainError("not_allowed", _("You may not set rules for this area."), field="area")
    if not 1 <= interval_days <= 366:
        raise DomainError("interval_range", _("Choose between 1 and 366 days."), field="interval_days")
    if tag not in Tag.values:
        raise DomainError("rule_tag", _("Choose a tag from the list."), field="tag")
    levels = TAG_LEVELS.get(tag)
    if max_level and (levels is None or max_level not in levels):
        # A grade bound on a tag without grades would match nobody and switch the visits off unseen.
        raise DomainError(
            "rule_grade_not_allowed", _("This tag has no grades: choose 'Any grade'."), field="max_level"
        )
    rule, _created = CareRule.objects.update_or_create(
        area_code=area.code,
        tag=tag,
        max_level=max_level,
        defaults={"area": area, "interval_days": interval_days, "is_active": is_active, "updated_by": actor},
    )
    record_audit_event(
        actor=actor,
        action="care.rule",
        object_type="care_rule",
        object_id=rule.pk,
        area_code=area.code,
        data={"tag": tag, "max_level": max_level, "interval_days": interval_days, "active": is_active},
    )
    generate_care_plans(today=today, area_prefix=area.code)
    return rule


@transaction.atomic
def remove_care_rule(*, actor: Any, rule: CareRule, today: dt.date | None = None) -> None:
    """Remove an area's override: the rule above it holds there again."""
    if not rule.area_code or not has_capability(actor, Capability.MANAGE_CARE_PLANS, rule.area_code):
        raise DomainError("not_allowed", _("You may not change this rule."))
    code, pk = rule.area_code, rule.pk
    rule.delete()
    record_audit_event(
        actor=actor, action="care.rule_removed", object_type="care_rule", object_id=pk, area_code=code
    )
    generate_care_plans(today=today, area_prefix=code)


@transaction.atomic
def register_volunteer(*, actor: Any, area: Area, name: str, phone: str = "") -> Volunteer:
    """Register a volunteer who visits in an area (a stand-in for the volunteers app)."""
    if not has_capability(actor, Capability.MANAGE_CARE_PLANS, area.code):
        raise DomainError("not_allowed", _("You may not register volunteers here."), field="area")
    if not name.strip():
        raise DomainError("name_required", _("Please give the name."), field="name")
    volunteer = Volunteer.objects.create(
        area=area,
        area_code=area.code,
        name=name.strip()[:64],
        phone=normalize_mobile(phone) if phone.strip() else "",
    )
    record_audit_event(
        actor=actor,
        action="care.volunteer",
        object_type="volunteer",
        object_id=volunteer.pk,
        area_code=area.code,
    )
    return volunteer
