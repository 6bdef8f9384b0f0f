from typing import Any

from django.http import HttpRequest

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: elder mode, and which parts of the navigation this user may see."""
    user: Any = request.user
    # Signed-in users keep elder mode on their account; before login, a cookie remembers it.
    elder = bool(user.elder_mode) if user.is_authenticated else request.COOKIES.get("linli_elder") == "1"
    return {
        "elder_mode": elder,
        "is_resident_user": getattr(user, "kind", None) == "resident",
        "can_view_residents": has_capability(user, Capability.VIEW_RESIDENTS),
        "can_read_outbox": has_capability(user, Capability.READ_OUTBOX),
        "can_import": has_capability(user, Capability.IMPORT_DATA),
        "can_handle_cases": has_capability(user, Capability.HANDLE_CASES),
        "can_respond_alarms": has_capability(user, Capability.RESPOND_ALARMS),
        "can_manage_alarms": has_capability(user, Capability.MANAGE_ALARM_POLICIES),
        "can_order_care": has_capability(user, Capability.ORDER_CARE),
        "can_manage_meals": has_capability(user, Capability.MANAGE_MEALS),
        "can_record_visits": has_capability(user, Capability.RECORD_VISITS),
        "can_view_care_reports": has_capability(user, Capability.VIEW_CARE_REPORTS),
        "can_review": has_capability(user, Capability.REVIEW_MATCHES),
        "can_view_ledgers": has_capability(user, Capability.VIEW_LEDGERS),
        "can_manage_sharing": has_capability(user, Capability.MANAGE_SHARING)
        or has_capability(user, Capability.REQUEST_GRANTS)
        or has_capability(user, Capability.VIEW_ACCESS_LOG),
    }
