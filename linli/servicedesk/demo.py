"""A few cases for the demo district, made through the services: a visitor sees a live desk.

Call ``create_demo_cases()`` after the demo's accounts and residents exist (``linli load_demo``). It makes
about a dozen cases in the demo community, in every state, with a rating, a bad rating's rectification and
the proactive candidates of the day. It takes well under a second and does nothing if cases exist.
"""

import datetime as dt
import random
import uuid
from typing import Any

from django.utils import timezone

from linli.accounts.models import User
from linli.core.models import Area
from linli.registry.models import Resident
from linli.servicedesk import proactive, ratings
from linli.servicedesk.models import Case, ServiceItem
from linli.servicedesk.selectors import is_eligible
from linli.servicedesk.services import submit_case, transition_case

COMMUNITY_CODE = "110109001001"
PATHS = {
    "submitted": (),
    "accepted": ("accept",),
    "in_progress": ("accept", "start"),
    "needs_info": ("request_info",),
    "done": ("accept", "start", "complete"),
    "rejected": ("reject",),
}


def create_demo_cases(*, seed: int = 2026) -> int:
    """Cases in the demo community (skipped when the desk already has cases); returns how many were made."""
    if Case.objects.exists():
        return 0
    worker = User.objects.filter(username="community_worker").first()
    director = User.objects.filter(username="community_director").first()
    if worker is None or director is None:
        return 0
    rng = random.Random(seed)  # noqa: S311 - picks demo residents, not secrets
    residents = list(
        Resident.objects.filter(area__code__startswith=COMMUNITY_CODE, merged_into__isnull=True)
        .exclude(phone="")
        .select_related("area")
        .order_by("id")[:300]
    )
    grids = list(Area.objects.filter(code__startswith=COMMUNITY_CODE, level="grid").order_by("code"))
    if not residents or not grids:
        return 0
    now = timezone.now()
    made: list[tuple[Case, str]] = []
    plans: list[tuple[str, dict[str, Any], str]] = [
        ("elderly_allowance", {"bank": "中国农业银行", "bank_account": "6228480012345678901"}, "done"),
        ("residence_certificate", {"purpose": "school"}, "done"),
        ("senior_card", {}, "in_progress"),
        ("meal_assistance", {"diet": ["low_salt"]}, "accepted"),
        ("temporary_assistance", {"event": "家中老人住院，医疗费用较高"}, "needs_info"),
        ("minimum_allowance", {"monthly_income": 1200, "reason": "夫妻二人均无固定工作"}, "submitted"),
        ("employment_registration", {"employer": "门头沟物业公司", "start_date": "2026-03-02"}, "rejected"),
    ]
    for days_ago, (code, answers, state) in enumerate(plans, start=1):
        item = ServiceItem.objects.get(code=code)
        candidates = [r for r in residents if is_eligible(item=item, resident=r)]
        if not candidates:
            continue
        resident = rng.choice(candidates)
        case = submit_case(
            actor=worker,
            item=item,
            answers={"phone": resident.phone, **answers},
            channel="window",
            resident=resident,
            now=now - dt.timedelta(days=days_ago),
        )
        made.append((case, state))
    reports = [
        ("street_lamp", {"problem": "off"}, "路灯不亮"),
        ("garbage_not_collected", {"kind": "household"}, ""),
    ]
    reports += [
        ("manhole_cover", {"problem": "missing"}, "小区门口井盖缺失"),
        ("noise", {"source": "construction"}, "工地夜间施工"),
    ]
    for hours_ago, (code, answers, text) in enumerate(reports, start=2):
        case = submit_case(
            actor=worker,
            item=ServiceItem.objects.get(code=code),
            answers=answers,
            channel="window",
            area=rng.choice(grids),
            address_string="德露苑小区",
            description=text,
            now=now - dt.timedelta(hours=hours_ago * 7),
        )
        made.append((case, "in_progress" if code == "street_lamp" else "submitted"))
    for case, state in made:
        for action in PATHS[state]:
            note = (
                "请补充近三个月的医疗费用票据"
                if action == "request_info"
                else ("不符合条件" if action == "reject" else "")
            )
            case = transition_case(actor=worker, case=case, action=action, note=note)
    rated = [case for case, state in made if state == "done"]
    for case, level, comment in zip(rated, (5, 2), ("办理很快，谢谢", "等待时间太长"), strict=False):
        account = _account_for(case)
        if account is not None:
            ratings.rate_case(actor=account, case=case, level=level, comment=comment)
    proactive.evaluate_proactive_items()
    return len(made)


def _account_for(case: Case) -> User | None:
    """The resident's phone account (made here if the demo has none yet), to rate their case."""
    resident = case.resident
    if resident is None or not resident.phone_index:
        return None
    account, created = User.objects.get_or_create(
        kind="resident",
        phone_index=resident.phone_index,
        defaults={"username": f"resident-{uuid.uuid4().hex[:20]}", "phone": resident.phone},
    )
    if created:  # as the phone login would have made it
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account
