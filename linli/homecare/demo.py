"""Home care for the demo district, made through the services: three providers and orders in every state.

Call ``create_demo_home_care()`` after the demo's accounts and residents exist (after ``create_demo_cases()``
in ``linli.demo.generator.generate``). It does nothing if providers exist or the demo accounts are missing.
"""

import datetime as dt
import uuid

from django.utils import timezone

from linli.accounts.models import User
from linli.core.models import Area
from linli.homecare import links
from linli.homecare.models import Order, Provider, ServiceType
from linli.homecare.services import place_order, rate_order, save_provider, transition_order
from linli.registry.models import Resident

COMMUNITY_CODE = "110109001001"  # 德露苑社区, where the demo's community staff work
STREET_CODE = "110109001"

PROVIDERS = [
    # name, contact, phone, managed by, served, service types
    (
        "德露苑居家养老服务站",
        "周桂芳",
        "13910010001",
        COMMUNITY_CODE,
        [COMMUNITY_CODE],
        ["bathing", "cleaning", "companionship", "haircut"],
    ),
    (
        "门头沟区康复护理中心",
        "吴医生",
        "13910010002",
        STREET_CODE,
        [STREET_CODE],
        ["home_nursing", "rehabilitation", "doctor_escort"],
    ),
    (
        "乐龄家政服务社",
        "郑师傅",
        "13910010003",
        COMMUNITY_CODE,
        [COMMUNITY_CODE],
        ["cleaning", "haircut", "errands"],
    ),
]

# service, provider, days from today, start hour, hours, the steps after ordering, rating
PLANS: list[tuple[str, int, int, int, int, tuple[str, ...], tuple[int, str] | None]] = [
    ("bathing", 0, -9, 9, 2, ("confirm", "start", "finish", "complete"), (5, "师傅很细心，谢谢")),
    (
        "cleaning",
        2,
        -6,
        14,
        3,
        ("confirm", "start", "finish", "complete"),
        (2, "迟到了一个小时，也没提前打电话"),
    ),
    ("haircut", 0, -4, 10, 1, ("confirm", "start", "complete"), None),
    ("doctor_escort", 1, -1, 8, 4, ("confirm", "start", "finish"), None),
    ("home_nursing", 1, 0, -1, 3, ("confirm", "start"), None),
    ("companionship", 0, 1, 14, 2, ("confirm",), None),
    ("bathing", 0, 2, 9, 2, (), None),
    ("rehabilitation", 1, 3, 15, 1, (), None),
    ("cleaning", 2, 1, 8, 2, ("decline",), None),
    ("haircut", 2, 2, 10, 1, ("cancel",), None),
]
NOTES = {"decline": "当天人手不足，请改约其他时间", "cancel": "老人住院，暂不需要"}


def create_demo_home_care() -> int:
    """Providers and orders in the demo community (skipped if providers exist); returns the orders made."""
    if Provider.objects.exists():
        return 0
    manager = User.objects.filter(username="administrator").first()
    worker = User.objects.filter(username="community_worker").first()
    if manager is None or worker is None:
        return 0
    areas = {a.code: a for a in Area.objects.filter(code__in=[COMMUNITY_CODE, STREET_CODE])}
    if len(areas) < 2:
        return 0
    types = {t.code: t for t in ServiceType.objects.all()}
    providers = [
        save_provider(
            actor=manager,
            name=name,
            contact_name=contact,
            phone=phone,
            area=areas[managed],
            served_areas=[areas[code] for code in served],
            service_types=[types[code] for code in offered],
        )
        for name, contact, phone, managed, served, offered in PROVIDERS
    ]
    today = timezone.localdate()
    elders = list(
        Resident.objects.filter(
            area__code__startswith=COMMUNITY_CODE,
            merged_into__isnull=True,
            household__isnull=False,
            birth_date__lte=today - dt.timedelta(days=365 * 70),
        )
        .exclude(phone_index="")
        .select_related("area", "household__building")
        .order_by("birth_date", "id")[: len(PLANS)]
    )
    if not elders:
        return 0
    made = 0
    now = timezone.now()
    for n, (code, which, days, hour, hours, steps, rating) in enumerate(PLANS):
        resident = elders[n % len(elders)]
        start_day = today + dt.timedelta(days=days)
        if hour < 0:  # under way right now
            starts_at = now.replace(second=0, microsecond=0) + dt.timedelta(hours=hour)
        else:
            starts_at = timezone.make_aware(dt.datetime.combine(start_day, dt.time(hour, 0)))
        ordered_at = min(now, starts_at) - dt.timedelta(days=2)
        account = _account_for(resident)
        actor = account if n % 2 == 0 else worker
        order = place_order(
            actor=actor,
            resident=resident,
            service_type=types[code],
            provider=providers[which],
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=hours),
            note="家住三楼，没有电梯" if n == 0 else "",
            now=ordered_at,
        )
        made += 1
        _walk(order, steps, account=account, worker=worker, ordered_at=ordered_at, now=now)
        if rating is not None:
            rate_order(
                actor=account,
                order=order,
                level=rating[0],
                comment=rating[1],
                now=order.ends_at + dt.timedelta(hours=1),
            )
    return made


def _walk(
    order: Order,
    steps: tuple[str, ...],
    *,
    account: User,
    worker: User,
    ordered_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """Take the order through its steps at plausible times: confirmed within hours, served in its window."""
    at = {
        "confirm": ordered_at + dt.timedelta(hours=3),
        "decline": ordered_at + dt.timedelta(hours=3),
        "cancel": ordered_at + dt.timedelta(hours=20),
        "start": order.starts_at + dt.timedelta(minutes=5),
        "finish": order.ends_at - dt.timedelta(minutes=10),
        "complete": order.ends_at + dt.timedelta(minutes=30),
    }
    token = links.make_token(order)
    for step in steps:
        when = min(at[step], now)
        if step in ("confirm", "decline", "start", "finish"):
            transition_order(
                order=order, action=step, provider_token=token, note=NOTES.get(step, ""), now=when
            )
        else:
            actor = account if step == "complete" else worker
            transition_order(order=order, action=step, actor=actor, note=NOTES.get(step, ""), now=when)


def _account_for(resident: Resident) -> User:
    """The resident's phone account (made here if the demo has none yet), as the phone login makes it."""
    account, created = User.objects.get_or_create(
        kind="resident",
        phone_index=resident.phone_index,
        defaults={"username": f"resident-{uuid.uuid4().hex[:20]}", "phone": resident.phone},
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account
