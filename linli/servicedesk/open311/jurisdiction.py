"""``jurisdiction_id``: the statistical code of the district the endpoint serves (e.g. ``110109``).

Spec, "Definitions": the parameter may be left out where an endpoint serves one jurisdiction. Linli serves
each district in its area tree; with one district the parameter is optional, with several it is required.
A code that names no district served here is a 404, as the spec asks.
"""

from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaLevel
from linli.servicedesk.open311.errors import Open311Error


def districts() -> list[Area]:
    return list(Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code"))


def resolve_jurisdiction(jurisdiction_id: str) -> Area:
    """The district a request is about; 400 when it is needed and missing, 404 when it is unknown."""
    served = districts()
    if jurisdiction_id:
        for area in served:
            if area.code == jurisdiction_id:
                return area
        raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": jurisdiction_id[:32]})
    if len(served) == 1:
        return served[0]
    if not served:
        raise Open311Error(400, _("The open311 service is not running: no district is set up yet."))
    raise Open311Error(400, _("jurisdiction_id was not provided; this endpoint serves several districts."))
