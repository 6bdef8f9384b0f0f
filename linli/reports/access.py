"""Who may read which ledger for which area: the template and the area, or 404."""

from typing import Any

from django.http import Http404

from linli.accounts.access import has_capability, scope_prefixes
from linli.accounts.roles import Capability
from linli.core.models import Area
from linli.reports.models import LedgerTemplate


def access_template(
    user: Any, code: str, *, capability: Capability = Capability.VIEW_LEDGERS
) -> LedgerTemplate:
    """The template with ``code`` if the user holds ``capability`` somewhere; an inactive one only for
    managers of templates. Http404 otherwise."""
    if not has_capability(user, capability):
        raise Http404
    template = LedgerTemplate.objects.filter(code=code).first()
    if template is None:
        raise Http404
    if not template.active and not has_capability(user, Capability.MANAGE_LEDGER_TEMPLATES):
        raise Http404
    return template


def access_ledger_area(user: Any, code: str, *, capability: Capability = Capability.VIEW_LEDGERS) -> Area:
    """The area with ``code`` if it lies within the user's scope for ``capability``, else Http404.

    A street or district in scope covers all its communities: its ledger aggregates them.
    """
    if not any(code.startswith(prefix) for prefix in scope_prefixes(user, capability)):
        raise Http404
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise Http404
    return area
