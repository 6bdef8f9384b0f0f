"""States of a grant and the transitions allowed between them.

requested → approved   a district officer over the grant's area, not the requester, approves it
requested → revoked    the request is refused
approved  → revoked    the grant is withdrawn; calls under it get 403 from then on

An approved grant past its ``expires_at`` stays "approved" in the table but answers 403 like a revoked one.
"""

from linli.sharing.models import GrantStatus

S = GrantStatus
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.REQUESTED, S.APPROVED),
        (S.REQUESTED, S.REVOKED),
        (S.APPROVED, S.REVOKED),
    }
)


def can_transition(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS
