"""Staff roles and what each may do. Roles are held per area through memberships; this table is the policy."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    COMMUNITY_DIRECTOR = "community_director", _("Community director")
    STREET_OFFICER = "street_officer", _("Street officer")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    ADMINISTRATOR = "administrator", _("Administrator")


class Capability(models.TextChoices):
    VIEW_RESIDENTS = "view_residents", _("View residents and households")
    EDIT_RESIDENTS = "edit_residents", _("Register and edit residents and households")
    MANAGE_TAGS = "manage_tags", _("Add and end tags")
    REVEAL_PERSONAL_DATA = "reveal_personal_data", _("Reveal ID numbers and phones")
    EXPORT_RESIDENTS = "export_residents", _("Export resident lists")
    READ_OUTBOX = "read_outbox", _("Read the SMS outbox")


C = Capability
# Department officers read data through the sharing API and exports granted to them, not the registry screens.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.GRID_WORKER: frozenset({C.VIEW_RESIDENTS, C.EDIT_RESIDENTS, C.MANAGE_TAGS}),
    Role.COMMUNITY_WORKER: frozenset(
        {C.VIEW_RESIDENTS, C.EDIT_RESIDENTS, C.MANAGE_TAGS, C.REVEAL_PERSONAL_DATA, C.EXPORT_RESIDENTS}
    ),
    Role.COMMUNITY_DIRECTOR: frozenset(
        {C.VIEW_RESIDENTS, C.EDIT_RESIDENTS, C.MANAGE_TAGS, C.REVEAL_PERSONAL_DATA, C.EXPORT_RESIDENTS}
    ),
    Role.STREET_OFFICER: frozenset({C.VIEW_RESIDENTS, C.REVEAL_PERSONAL_DATA, C.EXPORT_RESIDENTS}),
    Role.DISTRICT_OFFICER: frozenset({C.VIEW_RESIDENTS, C.EXPORT_RESIDENTS}),
    Role.DEPARTMENT_OFFICER: frozenset(),
    Role.ADMINISTRATOR: frozenset(Capability),
}
