"""Care plans and recorded visits for the demo district, made through the care services.

Call ``create_demo_care()`` after the demo's accounts and residents exist (after ``create_demo_cases()``).
It generates the plans of the whole district as if they had started five weeks ago, registers two
volunteers in the demo community and gives them the plans of a grid without a grid worker, then records the
visits of the past weeks in the demo community: most residents visited on time, some called, a few not
reached, a few needs turned into service-desk cases, and about one in five left overdue. Elsewhere in the
district a sample of residents has one recent visit, so the coverage report has figures to compare. Does
nothing if plans exist.
"""

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from linli.accounts.models import User
from linli.care.models import CarePlan, VisitOutcome, Volunteer
from linli.care.needs import NEEDS_BY_CODE
from linli.care.services import assign_care_plan, generate_care_plans, record_visit, register_volunteer
from linli.core.errors import DomainError
from linli.core.models import Area

COMMUNITY_CODE = "110109001001"
WEEKS = 5
NOTES_WELL = ("身体还好，家里整洁", "血压正常，按时吃药", "子女上周来看过", "天冷了，提醒注意保暖", "")
NOTES_HELP = {
    "meals": "老人行动不便，做饭困难，想在社区老年餐桌吃饭",
    "home_care": "需要有人上门帮忙打扫和洗澡",
    "hardship": "老伴住院，医药费负担重",
}


def create_demo_care(*, seed: int = 2026, sample_elsewhere: int = 300) -> int:
    """Plans for the demo district and visits of the past weeks; returns how many visits were recorded."""
    if CarePlan.objects.exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=_USERNAMES)}
    if len(users) < len(_USERNAMES):
        return 0
    rng = random.Random(seed)  # noqa: S311 - picks demo visits, not secrets
    now = timezone.now()
    today = timezone.localtime(now).date()
    generate_care_plans(today=today - dt.timedelta(weeks=WEEKS))
    _give_a_grid_to_volunteers(users["community_director"])
    plans = list(
        CarePlan.objects.filter(area_code__startswith=COMMUNITY_CODE, ended_on__isnull=True)
        .select_related("assignee")
        .order_by("id")
    )
    recorded = 0
    needs_left = ["meals", "hardship", "home_care"]
    for plan in plans:
        if rng.random() < 0.2:
            continue  # nobody got round to this one: it shows as overdue
        visitor = plan.assignee if plan.assignee is not None else users["community_worker"]
        day = plan.next_due + dt.timedelta(days=rng.randint(0, 2))
        while day < today:
            outcome, needs, note = _how_it_went(rng, needs_left)
            try:
                record_visit(
                    actor=visitor,
                    plan=plan,
                    method="phone" if rng.random() < 0.3 else "in_person",
                    outcome=outcome,
                    needs=needs,
                    note=note,
                    now=_at(day, rng),
                )
            except DomainError:  # the need's service is not for this resident: a plain visit then
                record_visit(actor=visitor, plan=plan, method="in_person", outcome="well", now=_at(day, rng))
            else:
                for code in needs:
                    needs_left.remove(code)
            recorded += 1
            plan.refresh_from_db(fields=["next_due"])
            if outcome == VisitOutcome.NOT_REACHED:  # try again within a few days
                day += dt.timedelta(days=rng.randint(1, 3))
            else:
                day = plan.next_due + dt.timedelta(days=rng.randint(-1, 2))
    recorded += _visit_elsewhere(rng, users["administrator"], today, sample_elsewhere)
    return recorded


_USERNAMES = ("community_worker", "community_director", "administrator")


def _how_it_went(rng: random.Random, needs_left: list[str]) -> tuple[str, list[str], str]:
    roll = rng.random()
    if roll < 0.08:
        return VisitOutcome.NOT_REACHED, [], "敲门无人应答，电话未接"
    if roll < 0.12 and needs_left:
        code = needs_left[0]
        return VisitOutcome.NEEDS_HELP, [code], NOTES_HELP.get(code, str(NEEDS_BY_CODE[code].label))
    return VisitOutcome.WELL, [], rng.choice(NOTES_WELL)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59)))
    return timezone.make_aware(local)


def _give_a_grid_to_volunteers(director: Any) -> None:
    """Two volunteers in the demo community share the plans of its grids that have no visitor."""
    community = Area.objects.get(code=COMMUNITY_CODE)
    volunteers: list[Volunteer] = [
        register_volunteer(actor=director, area=community, name=name, phone=phone)
        for name, phone in (("周玉芬", "13910000001"), ("吴国庆", "13910000002"))
    ]
    unassigned = CarePlan.objects.filter(
        area_code__startswith=COMMUNITY_CODE, assignee__isnull=True, volunteer__isnull=True
    ).order_by("id")
    for index, plan in enumerate(unassigned):
        assign_care_plan(actor=director, plan=plan, volunteer=volunteers[index % len(volunteers)])


def _visit_elsewhere(rng: random.Random, visitor: Any, today: dt.date, count: int) -> int:
    """One recent visit for a sample of residents outside the demo community."""
    others = list(
        CarePlan.objects.filter(ended_on__isnull=True)
        .exclude(area_code__startswith=COMMUNITY_CODE)
        .order_by("id")
        .values_list("id", "interval_days")
    )
    recorded = 0
    for plan_id, interval in rng.sample(others, min(count, len(others))):
        day = today - dt.timedelta(days=rng.randint(0, max(0, interval - 1)))
        plan = CarePlan.objects.get(pk=plan_id)
        record_visit(actor=visitor, plan=plan, method="phone", outcome="well", now=_at(day, rng))
        recorded += 1
    return recorded
