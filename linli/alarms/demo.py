"""The one-key alarm in the demo district, made through the services: a district default policy, duty rosters
for the demo street's communities, neighbours, volunteers and family contacts, and a few past alarms with
their outcomes (so the report has figures).

Call ``create_demo_alarms()`` after the demo's accounts and residents exist (``linli load_demo``). It does
nothing if a policy exists already, and takes well under a second.
"""

import datetime as dt
import random

from django.utils import timezone

from linli.accounts.models import User
from linli.alarms import services
from linli.alarms.escalation import StepSpec
from linli.alarms.models import (
    AlarmOutcome,
    DutyKind,
    EscalationPolicy,
    ResponderKind,
    StepKind,
    TriggerSource,
)
from linli.core.models import Area
from linli.registry.models import Resident

DISTRICT_CODE = "110109"
STREET_CODE = "110109001"
COMMUNITY_CODE = "110109001001"
GRID_CODE = "110109001001001"

NEIGHBOURS = ["周大勇", "吴桂芳", "郑国强", "冯淑珍", "陈立新", "褚美玲"]
VOLUNTEERS = ["志愿者 何晓东", "志愿者 吕娜", "志愿者 施洋"]
FAMILY = [("王建国", "儿子"), ("李红", "女儿"), ("张伟", "儿子")]


def _phone(n: int) -> str:
    return f"1391000{n:04d}"


def create_demo_alarms(*, seed: int = 2026, now: dt.datetime | None = None) -> int:
    """Policy, rosters, responders and about a dozen past alarms; returns how many alarms were made."""
    if EscalationPolicy.objects.exists():
        return 0
    district = Area.objects.filter(code=DISTRICT_CODE).first()
    grid = Area.objects.filter(code=GRID_CODE).first()
    if district is None or grid is None:
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311 - picks demo residents, not secrets
    services.save_policy(
        actor=None,
        area=district,
        name="区默认报警处置流程",
        steps=[
            StepSpec(StepKind.GRID_ON_DUTY, 60),
            StepSpec(StepKind.COMMUNITY_DUTY_AND_FAMILY, 60),
            StepSpec(StepKind.NEARBY_RESPONDERS, 90, 500),
            StepSpec(StepKind.STREET_DUTY, 120),
        ],
    )
    phones = iter(range(1, 10_000))
    starts = now - dt.timedelta(hours=1)
    ends = now + dt.timedelta(days=30)
    grid_worker = User.objects.filter(username="grid_worker").first()
    street_officer = User.objects.filter(username="street_officer").first()
    for each_grid in Area.objects.filter(code__startswith=COMMUNITY_CODE, level="grid").order_by("code"):
        services.add_duty_shift(
            actor=None,
            area=each_grid,
            kind=DutyKind.GRID,
            starts_at=starts,
            ends_at=ends,
            user=grid_worker if each_grid.code == GRID_CODE else None,
            name="" if each_grid.code == GRID_CODE and grid_worker else f"{each_grid.name}值班",
            phone=_phone(next(phones)),
        )
    for community in Area.objects.filter(code__startswith=STREET_CODE, level="community").order_by("code"):
        services.add_duty_shift(
            actor=None,
            area=community,
            kind=DutyKind.COMMUNITY,
            starts_at=starts,
            ends_at=ends,
            name=f"{community.name}值班电话",
            phone=_phone(next(phones)),
        )
    street = Area.objects.get(code=STREET_CODE)
    services.add_duty_shift(
        actor=None,
        area=street,
        kind=DutyKind.STREET,
        starts_at=starts,
        ends_at=ends,
        user=street_officer,
        name="" if street_officer else "街道值班",
        phone=_phone(next(phones)),
    )
    elders = list(
        Resident.objects.filter(
            area__code__startswith=COMMUNITY_CODE,
            merged_into__isnull=True,
            birth_date__lte=(now - dt.timedelta(days=365 * 70)).date(),
            household__isnull=False,
        )
        .select_related("area", "household__building")
        .order_by("id")[:200]
    )
    if not elders:
        return 0
    for index, name in enumerate(NEIGHBOURS + VOLUNTEERS):
        near = rng.choice(elders).household.building  # type: ignore[union-attr]
        services.save_responder(
            actor=None,
            area=near.area,
            kind=ResponderKind.NEIGHBOUR if index < len(NEIGHBOURS) else ResponderKind.VOLUNTEER,
            name=name,
            phone=_phone(next(phones)),
            latitude=near.latitude + rng.uniform(-0.002, 0.002),
            longitude=near.longitude + rng.uniform(-0.002, 0.002),
        )
    for (name, relation), elder in zip(FAMILY, elders[:3], strict=False):
        services.save_responder(
            actor=None,
            area=elder.area,
            kind=ResponderKind.FAMILY,
            name=name,
            phone=_phone(next(phones)),
            resident=elder,
            relation=relation,
        )
    # Past alarms over the last two months: most answered within a minute, a few slower, one false alarm.
    answered = [18, 25, 31, 40, 44, 52, 57, 75, 110, 240, 22, 35]
    outcomes = (
        [AlarmOutcome.HELP_GIVEN] * 8 + [AlarmOutcome.HANDED_TO_120] * 2 + [AlarmOutcome.FALSE_ALARM] * 2
    )
    made = 0
    for index, (seconds, outcome) in enumerate(zip(answered, outcomes, strict=True)):
        when = now - dt.timedelta(days=3 + 5 * index, hours=rng.randint(0, 12), minutes=rng.randint(0, 59))
        alarm = services.trigger_alarm(
            source=[TriggerSource.BUTTON, TriggerSource.DEVICE, TriggerSource.SMS][index % 3],
            resident=elders[(index * 7) % len(elders)],
            received_at=when,
        )
        services.acknowledge_alarm(
            alarm=alarm, via="console", user=grid_worker, now=when + dt.timedelta(seconds=seconds)
        )
        services.close_alarm(
            alarm=alarm,
            actor=grid_worker,
            outcome=outcome,
            note="上门查看，老人情况稳定。" if outcome == AlarmOutcome.HELP_GIVEN else "",
            now=when + dt.timedelta(minutes=25),
        )
        made += 1
    return made
