"""The service desk: catalogue (items, form fields, materials, queues, routing), cases and their history,
ratings (好差评) with rectification, proactive candidates (免申即享), and the periodic jobs' bookkeeping."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.append_only import AppendOnlyModel
from linli.core.fields import EncryptedTextField
from linli.core.ratings import BAD_RATINGS, RatingLevel


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    ON_BEHALF = "on_behalf", _("On behalf of the resident")
    WINDOW = "window", _("At the window")
    OPEN311 = "open311", _("Open311 report")


class SlaUnit(models.TextChoices):
    WORKDAYS = "workdays", _("Working days")
    HOURS = "hours", _("Hours")


class FieldType(models.TextChoices):
    """The shapes of a form field; ``OPEN311_DATATYPE`` gives each one's Open311 attribute datatype."""

    TEXT = "text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    FILE = "file", _("File")


# Open311 GeoReport v2 attribute datatypes. A file has none: it is a material, uploaded on the site.
OPEN311_DATATYPE: dict[str, str] = {
    FieldType.TEXT: "string",
    FieldType.LONG_TEXT: "text",
    FieldType.NUMBER: "number",
    FieldType.DATE: "datetime",
    FieldType.SINGLE: "singlevaluelist",
    FieldType.MULTIPLE: "multivaluelist",
}


class Prefill(models.TextChoices):
    """A golden-record fact a form field is filled from; the resident is asked only when it is unknown."""

    NONE = "", _("Not pre-filled")
    NAME = "name", _("Name")
    ID_NUMBER = "id_number", _("ID number")
    PHONE = "phone", _("Phone")
    BIRTH_DATE = "birth_date", _("Birth date")
    SEX = "sex", _("Sex")
    ADDRESS = "address", _("Address")
    HUKOU_STATUS = "hukou_status", _("Hukou status")
    HOUSEHOLD_SIZE = "household_size", _("Household size")


class Queue(models.Model):
    """A team that handles cases: a community's desk, a street's office or a department's section."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=64, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """One service of the catalogue (事项): what it is, who may have it, how it is applied for and its SLA."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    category = models.CharField(_("category"), max_length=48, blank=True)
    department = models.CharField(_("department"), max_length=64)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    # A rule in the eligibility language (see linli.servicedesk.eligibility); empty means everyone.
    eligibility_rule = models.TextField(_("eligibility rule"), blank=True)
    eligibility_text = models.CharField(_("who is eligible"), max_length=200, blank=True)
    sla_amount = models.PositiveIntegerField(_("time limit"), default=5)
    sla_unit = models.CharField(
        _("time limit unit"), max_length=8, choices=SlaUnit.choices, default="workdays"
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="items", verbose_name=_("queue"))
    channels = models.JSONField(_("channels"), default=list)
    is_proactive = models.BooleanField(_("proactive (免申即享)"), default=False)
    # Reported at a place (a broken street lamp) rather than about a person: offered over Open311.
    is_location_based = models.BooleanField(_("location-based"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.name

    def accepts(self, channel: str) -> bool:
        return channel in self.channels


class FormField(models.Model):
    """A typed question of an item's form; the same shape as an Open311 attribute."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fields")
    code = models.SlugField(_("code"), max_length=48)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=150, blank=True)
    datatype = models.CharField(_("type"), max_length=12, choices=FieldType.choices, default="text")
    required = models.BooleanField(_("required"), default=True)
    description = models.CharField(_("prompt"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # For choices: [{"key": "a", "name": "…", "name_en": "…"}, …].
    values = models.JSONField(_("values"), default=list, blank=True)
    prefill = models.CharField(_("pre-filled from"), max_length=24, choices=Prefill.choices, blank=True)

    class Meta:
        ordering = ["item", "order", "id"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["item", "code"], name="form_field_code_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def open311_datatype(self) -> str | None:
        return OPEN311_DATATYPE.get(self.datatype)


class Material(models.Model):
    """A document the applicant brings or uploads (申请材料)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    required = models.BooleanField(_("required"), default=True)
    example = models.CharField(_("example"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["item", "order", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Sends a new case to a queue (and a handler): the first matching rule by priority wins.

    A rule matches when each of its set conditions holds: the item, the case's area code starting with
    ``area_prefix``, and any one of the comma-separated ``keywords`` in the description.
    """

    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    area_prefix = models.CharField(_("area code prefix"), max_length=15, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+", verbose_name=_("queue"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"#{self.priority} → {self.queue}"


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    NEEDS_INFO = "needs_info", _("Needs more information")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    TRANSFERRED = "transferred", _("Transferred")
    REOPENED = "reopened", _("Reopened")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


CLOSED_STATUSES = (CaseStatus.DONE, CaseStatus.REJECTED)


class Case(models.Model):
    """One application or report (办件): the item, the person, the place, where it is and by when."""

    number = models.CharField(_("case number"), max_length=24, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default="submitted")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    # Denormalised from the area and item, for the scope filters of the worker queue.
    area_code = models.CharField(_("area code"), max_length=15)
    department = models.CharField(_("department"), max_length=64)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="cases", verbose_name=_("queue"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    # The resident's login account when they applied themselves: who may follow and rate the case.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident account"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    requester_name = models.CharField(_("requester's name"), max_length=64, blank=True)
    requester_phone = EncryptedTextField(_("requester's phone"), context="case.phone", blank=True)
    requester_email = EncryptedTextField(_("requester's email"), context="case.email", blank=True)
    # Asked only when the golden record does not know it (a person without a record yet).
    requester_id_number = EncryptedTextField(_("requester's ID number"), context="case.id_number", blank=True)
    description = models.TextField(_("description"), blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    address_string = models.CharField(_("address"), max_length=200, blank=True)
    address_id = models.CharField(_("address id"), max_length=64, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    # On-behalf applications (代办): how the resident agreed.
    consent_method = models.CharField(_("consent"), max_length=16, blank=True)
    consent_note = models.CharField(_("consent note"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    updated_at = models.DateTimeField(_("updated"))
    due_at = models.DateTimeField(_("due"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes: ClassVar[list[models.Index]] = [
            # The worker queue: open cases in an area, by due time.
            models.Index(
                fields=["area_code", "due_at"],
                condition=~models.Q(status__in=["done", "rejected"]),
                name="case_open_area_due",
            ),
            models.Index(
                fields=["department", "due_at"],
                condition=~models.Q(status__in=["done", "rejected"]),
                name="case_open_department_due",
            ),
            models.Index(fields=["account", "submitted_at"], name="case_account"),
            models.Index(fields=["item", "resident"], name="case_item_resident"),
            models.Index(fields=["submitted_at"], name="case_submitted"),
            models.Index(fields=["updated_at"], name="case_updated"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def status_notes(self) -> str:
        """The latest public note of the history: Open311's ``status_notes``."""
        event = self.events.filter(public=True).exclude(note="").order_by("-at", "-id").first()
        return event.note if event else ""


class CaseEvent(AppendOnlyModel):
    """One step of a case's history, appended under the case's row lock; never edited."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Shown to the resident (and as Open311 status notes); internal notes are for staff only.
    public = models.BooleanField(_("shown to the resident"), default=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def status_label(self) -> str:
        return str(CaseStatus(self.to_status).label) if self.to_status in CaseStatus.values else ""


def case_upload_path(instance: "CaseFile", filename: str) -> str:
    # The stored name carries no personal data: the case id and a random token.
    import secrets

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"servicedesk/{instance.case_id}/{secrets.token_hex(12)}.{extension}"


class CaseFile(models.Model):
    """An uploaded material of a case; downloaded only through a view that checks access."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="files")
    material = models.ForeignKey(Material, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    file = models.FileField(_("file"), upload_to=case_upload_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=32)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("case file")
        verbose_name_plural = _("case files")

    def __str__(self) -> str:
        return self.original_name


class CaseReminder(models.Model):
    """A reminder or escalation sent for a case's due time: recorded so each is sent once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=16)  # "due_soon" or "overdue"
    due_at = models.DateTimeField(_("due"))
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("case reminder")
        verbose_name_plural = _("case reminders")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["case", "kind", "due_at"], name="one_reminder_per_due_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Rating(models.Model):
    """The resident's one rating of a closed case."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rating")
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copied at rating time: the satisfaction page groups by them.
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area_code = models.CharField(_("area code"), max_length=15)

    class Meta:
        ordering = ["-rated_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="rating_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_RATINGS


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Rectified")


class Rectification(models.Model):
    """A bad rating's rectification task: due in 15 working days, closed only after a follow-up call."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=15)
    status = models.CharField(_("status"), max_length=8, choices=RectificationStatus.choices, default="open")
    due_date = models.DateField(_("due"))
    created_at = models.DateTimeField(_("created"))
    outcome = models.TextField(_("what was done"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class FollowUpCall(models.Model):
    """A call to the resident about a bad rating (every bad rating gets one)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="calls")
    called_at = models.DateTimeField(_("called at"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reached = models.BooleanField(_("reached the resident"))
    summary = models.TextField(_("summary"))

    class Meta:
        ordering = ["called_at", "id"]
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.called_at:%Y-%m-%d}"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class ProactiveCandidate(models.Model):
    """A resident the daily evaluation found eligible for a proactive item, with no case for it yet."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey("registry.Resident", on_delete=models.CASCADE, related_name="+")
    area_code = models.CharField(_("area code"), max_length=15)
    found_on = models.DateField(_("found on"))
    status = models.CharField(_("status"), max_length=10, choices=CandidateStatus.choices, default="pending")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["area_code", "id"]
        verbose_name = _("proactive candidate")
        verbose_name_plural = _("proactive candidates")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["item", "resident"], name="one_candidate_per_item_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.resident_id}"


class JobRun(models.Model):
    """When a periodic job last ran: the tick runs each job when its interval has passed."""

    name = models.CharField(_("job"), max_length=64, unique=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return self.name


# Open311's own tables live in the open311 package but belong to this app (and its migrations).
from linli.servicedesk.open311.models import (  # noqa: E402, F401
    Open311ApiKey,
    Open311App,
    Open311Report,
    Open311Service,
)
