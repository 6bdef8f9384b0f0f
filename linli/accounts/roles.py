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
    IMPORT_DATA = "import_data", _("Import department spreadsheets")
    REVIEW_MATCHES = "review_matches", _("Review possible duplicates, merge and undo merges")
    VIEW_LEDGERS = "view_ledgers", _("View ledgers")
    EXPORT_LEDGERS = "export_ledgers", _("Export ledgers")
    MANAGE_LEDGER_TEMPLATES = "manage_ledger_templates", _("Manage ledger templates")
    REQUEST_GRANTS = "request_grants", _("Request data-sharing grants for a department")
    MANAGE_SHARING = "manage_sharing", _("Approve and revoke data-sharing grants, manage department clients")
    VIEW_ACCESS_LOG = "view_access_log", _("Read the data-sharing access log")
    HANDLE_CASES = "handle_cases", _("Handle service-desk cases")
    APPLY_ON_BEHALF = "apply_on_behalf", _("Apply for a service on a resident's behalf")
    REASSIGN_CASES = "reassign_cases", _("Reassign cases and receive escalations")
    MANAGE_CATALOGUE = "manage_catalogue", _("Manage the service catalogue and routing")
    VIEW_SATISFACTION = "view_satisfaction", _("View service ratings and satisfaction")
    RECTIFY_RATINGS = "rectify_ratings", _("Rectify bad ratings and record follow-up calls")
    CONFIRM_PROACTIVE = "confirm_proactive", _("Confirm proactive services for eligible residents")
    RECORD_VISITS = "record_visits", _("Record care visits and see visits due")
    MANAGE_CARE_PLANS = "manage_care_plans", _("Set care-visit rules and assign visitors")
    ORDER_CARE = "order_care", _("Order meals and home care on a resident's behalf")
    MANAGE_MEALS = "manage_meals", _("Manage canteens, menus, kitchen lists and meal subsidies")
    MANAGE_HOME_CARE = "manage_home_care", _("Manage home-care providers and orders")
    RESPOND_ALARMS = "respond_alarms", _("Watch the alarm console, acknowledge and close alarms")
    MANAGE_ALARM_POLICIES = (
        "manage_alarm_policies",
        _("Set alarm escalation policies, duty rosters and responders"),
    )
    VIEW_CARE_REPORTS = "view_care_reports", _("View visit coverage and alarm acknowledgement reports")


C = Capability
# Department officers read data through the sharing API and exports granted to them, not the registry screens.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.GRID_WORKER: frozenset(
        {
            C.RECORD_VISITS,
            C.ORDER_CARE,
            C.RESPOND_ALARMS,
            C.VIEW_RESIDENTS,
            C.EDIT_RESIDENTS,
            C.MANAGE_TAGS,
            C.VIEW_LEDGERS,
            C.HANDLE_CASES,
            C.APPLY_ON_BEHALF,
        }
    ),
    Role.COMMUNITY_WORKER: frozenset(
        {
            C.RECORD_VISITS,
            C.ORDER_CARE,
            C.MANAGE_MEALS,
            C.MANAGE_HOME_CARE,
            C.RESPOND_ALARMS,
            C.VIEW_RESIDENTS,
            C.EDIT_RESIDENTS,
            C.MANAGE_TAGS,
            C.REVEAL_PERSONAL_DATA,
            C.EXPORT_RESIDENTS,
            C.IMPORT_DATA,
            C.REVIEW_MATCHES,
            C.VIEW_LEDGERS,
            C.EXPORT_LEDGERS,
            C.HANDLE_CASES,
            C.APPLY_ON_BEHALF,
            C.RECTIFY_RATINGS,
            C.CONFIRM_PROACTIVE,
        }
    ),
    Role.COMMUNITY_DIRECTOR: frozenset(
        {
            C.RECORD_VISITS,
            C.MANAGE_CARE_PLANS,
            C.ORDER_CARE,
            C.MANAGE_MEALS,
            C.MANAGE_HOME_CARE,
            C.RESPOND_ALARMS,
            C.MANAGE_ALARM_POLICIES,
            C.VIEW_CARE_REPORTS,
            C.VIEW_RESIDENTS,
            C.EDIT_RESIDENTS,
            C.MANAGE_TAGS,
            C.REVEAL_PERSONAL_DATA,
            C.EXPORT_RESIDENTS,
            C.IMPORT_DATA,
            C.REVIEW_MATCHES,
            C.VIEW_LEDGERS,
            C.EXPORT_LEDGERS,
            C.HANDLE_CASES,
            C.APPLY_ON_BEHALF,
            C.REASSIGN_CASES,
            C.VIEW_SATISFACTION,
            C.RECTIFY_RATINGS,
            C.CONFIRM_PROACTIVE,
        }
    ),
    Role.STREET_OFFICER: frozenset(
        {
            C.MANAGE_CARE_PLANS,
            C.MANAGE_MEALS,
            C.RESPOND_ALARMS,
            C.MANAGE_ALARM_POLICIES,
            C.VIEW_CARE_REPORTS,
            C.VIEW_RESIDENTS,
            C.REVEAL_PERSONAL_DATA,
            C.EXPORT_RESIDENTS,
            C.IMPORT_DATA,
            C.REVIEW_MATCHES,
            C.VIEW_LEDGERS,
            C.EXPORT_LEDGERS,
            C.HANDLE_CASES,
            C.REASSIGN_CASES,
            C.VIEW_SATISFACTION,
        }
    ),
    # District officers bring in departments' files for the whole district, own the ledger templates and
    # approve what each department may read.
    Role.DISTRICT_OFFICER: frozenset(
        {
            C.MANAGE_CARE_PLANS,
            C.MANAGE_MEALS,
            C.MANAGE_ALARM_POLICIES,
            C.VIEW_CARE_REPORTS,
            C.VIEW_RESIDENTS,
            C.EXPORT_RESIDENTS,
            C.IMPORT_DATA,
            C.VIEW_LEDGERS,
            C.EXPORT_LEDGERS,
            C.MANAGE_LEDGER_TEMPLATES,
            C.MANAGE_SHARING,
            C.VIEW_ACCESS_LOG,
            C.MANAGE_CATALOGUE,
            C.VIEW_SATISFACTION,
        }
    ),
    # A department officer handles the cases of their own department's items only (Membership.department).
    Role.DEPARTMENT_OFFICER: frozenset({C.REQUEST_GRANTS, C.HANDLE_CASES}),
    Role.ADMINISTRATOR: frozenset(Capability),
}
