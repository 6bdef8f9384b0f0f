"""The one-key alarm (一键报警): alarms and their append-only timeline, escalation policies and steps, duty
rosters, responders, devices, and the escalation state (step runs and notices) that the dispatcher works on.

The escalation state lives in these tables, not in a process: a dispatcher that dies loses nothing, and the
unique constraints make every step run and every notice exist once whatever runs twice.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.append_only import AppendOnlyModel
from linli.core.fields import EncryptedTextField


class AlarmStatus(models.TextChoices):
    PENDING = "pending", _("Waiting (can still be cancelled)")
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# An alarm in one of these is live: shown on the console, joined by repeated triggers, escalated.
LIVE_STATUSES = (AlarmStatus.PENDING, AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED)
# Escalation goes on only while nobody has answered.
UNANSWERED_STATUSES = (AlarmStatus.PENDING, AlarmStatus.OPEN)


class TriggerSource(models.TextChoices):
    BUTTON = "button", _("Alarm button")
    SMS = "sms", _("SMS")
    DEVICE = "device", _("Alarm device")
    MANUAL = "manual", _("Phone call (entered by a worker)")


class AlarmOutcome(models.TextChoices):
    HELP_GIVEN = "help_given", _("Help given")
    HANDED_TO_120 = "handed_to_120", _("Handed to 120 (ambulance)")
    HANDED_TO_110 = "handed_to_110", _("Handed to 110 (police)")
    FALSE_ALARM = "false_alarm", _("False alarm")


class AckVia(models.TextChoices):
    CONSOLE = "console", _("Console")
    LINK = "link", _("Link in the SMS")
    SMS = "sms", _("SMS reply")


class AlarmEventKind(models.TextChoices):
    TRIGGERED = "triggered", _("Alarm raised")
    TRIGGER_JOINED = "trigger_joined", _("Raised again")
    CANCELLED = "cancelled", _("Cancelled by the resident")
    ESCALATION_STARTED = "escalation_started", _("Escalation started")
    STEP_STARTED = "step_started", _("Escalation step started")
    STEP_SKIPPED_NO_RESPONDER = "step_skipped_no_responder", _("Step skipped: nobody on duty")
    NOTIFIED = "notified", _("Responder notified")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    OUTCOME = "outcome", _("Closed with an outcome")
    NOTE = "note", _("Note")


class StepKind(models.TextChoices):
    GRID_ON_DUTY = "grid_on_duty", _("Grid worker on duty")
    COMMUNITY_DUTY_AND_FAMILY = "community_duty_and_family", _("Community duty phone and family contacts")
    NEARBY_RESPONDERS = "nearby_responders", _("Neighbours and volunteers nearby")
    STREET_DUTY = "street_duty", _("Street duty officer")


class DutyKind(models.TextChoices):
    GRID = "grid", _("Grid worker on duty")
    COMMUNITY = "community", _("Community duty phone")
    STREET = "street", _("Street duty officer")


# Which roster a step reads.
STEP_DUTY: dict[str, str] = {
    StepKind.GRID_ON_DUTY: DutyKind.GRID,
    StepKind.COMMUNITY_DUTY_AND_FAMILY: DutyKind.COMMUNITY,
    StepKind.STREET_DUTY: DutyKind.STREET,
}


class ResponderKind(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbour")
    VOLUNTEER = "volunteer", _("Volunteer")
    FAMILY = "family", _("Family contact")


class StepRunState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CLAIMED = "claimed", _("Being run")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped: nobody on duty")
    STOPPED = "stopped", _("Stopped: answered or cancelled")


class Device(models.Model):
    """A resident's alarm device (pendant, fall detector) that calls the device webhook, signing with its
    own secret."""

    device_id = models.CharField(_("device id"), max_length=64, unique=True)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    secret = EncryptedTextField(_("secret"), context="alarm_device.secret")
    label = models.CharField(_("label"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        ordering = ["device_id"]
        verbose_name = _("alarm device")
        verbose_name_plural = _("alarm devices")

    def __str__(self) -> str:
        return self.device_id


class DeviceNonce(models.Model):
    """A nonce a device has used: a second message with it is a replay."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["device", "nonce"], name="alarm_device_nonce_once"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.nonce}"


class InboundSms(models.Model):
    """An SMS the gateway passed to the webhook, by the provider's message id: a retried delivery of the
    same message is recognised and not acted on twice."""

    provider_id = models.CharField(max_length=128, unique=True)
    phone_index = models.CharField(max_length=64, db_index=True)
    received_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return self.provider_id


class EscalationPolicy(models.Model):
    """The ordered escalation steps for alarms in an area; the nearest ancestor's policy applies."""

    area = models.OneToOneField(
        "core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    area_code = models.CharField(_("area code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["area_code"]
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """One step of a policy: whom to notify, and how long to wait for an answer before the next step."""

    policy = models.ForeignKey(
        EscalationPolicy, on_delete=models.CASCADE, related_name="steps", verbose_name=_("policy")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("whom to notify"), max_length=32, choices=StepKind.choices)
    timeout_seconds = models.PositiveIntegerField(_("wait for an answer (seconds)"))
    radius_m = models.PositiveIntegerField(_("within (metres)"), null=True, blank=True)

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["policy", "order"], name="alarm_step_order_once"),
            models.CheckConstraint(
                condition=models.Q(timeout_seconds__gte=10), name="alarm_step_timeout_min"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}#{self.order} {self.kind}"


class DutyShift(models.Model):
    """Who is on duty for an area in a time span: a staff user or a named duty phone."""

    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    kind = models.CharField(_("duty"), max_length=16, choices=DutyKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = EncryptedTextField(_("phone"), context="alarm_duty.phone", blank=True)
    phone_index = models.CharField(_("phone index"), max_length=64, blank=True, db_index=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["area_code", "kind", "starts_at"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["kind", "ends_at", "starts_at"])]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="alarm_shift_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_code} {self.starts_at:%Y-%m-%d %H:%M}"


class Responder(models.Model):
    """A neighbour, volunteer or family contact who may be asked to help; family ones belong to a resident."""

    kind = models.CharField(_("kind"), max_length=16, choices=ResponderKind.choices)
    name = models.CharField(pgettext_lazy("a person's", "name"), max_length=64)
    phone = EncryptedTextField(_("phone"), context="alarm_responder.phone")
    phone_index = models.CharField(_("phone index"), max_length=64, db_index=True)
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("family of"),
    )
    relation = models.CharField(_("relation"), max_length=32, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["area_code", "kind", "name"]
        verbose_name = _("responder")
        verbose_name_plural = _("responders")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=~models.Q(kind="family") | models.Q(resident__isnull=False),
                name="alarm_family_has_resident",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Alarm(models.Model):
    """One emergency call for help; repeated triggers within a minute join it."""

    number = models.CharField(_("alarm number"), max_length=24, unique=True)
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=AlarmStatus.choices)
    source = models.CharField(_("raised by"), max_length=8, choices=TriggerSource.choices)
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("device")
    )
    # For a caller who is not in the registry (a phone call entered by a worker).
    caller_name = models.CharField(_("caller"), max_length=64, blank=True)
    caller_phone = EncryptedTextField(_("caller's phone"), context="alarm.caller_phone", blank=True)
    # Exact lookup of the caller's phone (HMAC), so repeated calls or texts from one unknown number join.
    caller_phone_index = models.CharField(_("caller's phone index"), max_length=64, blank=True, db_index=True)
    location_text = models.CharField(_("where"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)
    escalation_starts_at = models.DateTimeField(_("escalation starts"))
    last_triggered_at = models.DateTimeField(_("last raised at"))
    trigger_count = models.PositiveIntegerField(_("times raised"), default=1)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_by_label = models.CharField(_("acknowledged by"), max_length=100, blank=True)
    acknowledged_via = models.CharField(
        _("acknowledged through"), max_length=8, choices=AckVia.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=AlarmOutcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_step = models.IntegerField(_("current step"), default=-1)

    # Set by ``trigger_alarm``: whether the trigger joined this live alarm rather than raising it.
    was_joined: bool = False

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["area_code", "-created_at"],
                condition=models.Q(status__in=["pending", "open", "acknowledged"]),
                name="alarm_live",
            ),
            models.Index(fields=["resident", "-last_triggered_at"], name="alarm_resident_recent"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_answered(self) -> bool:
        return self.status not in UNANSWERED_STATUSES

    @property
    def acknowledgement_seconds(self) -> float | None:
        """Seconds from the moment the alarm went out to responders until the first acknowledgement."""
        if self.acknowledged_at is None:
            return None
        return max(0.0, (self.acknowledged_at - self.escalation_starts_at).total_seconds())


class AlarmEvent(AppendOnlyModel):
    """One line of an alarm's audit timeline; appended, never edited. ``label`` names who, without phones."""

    alarm = models.ForeignKey(Alarm, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("what"), max_length=32, choices=AlarmEventKind.choices)
    step = models.IntegerField(_("step"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("who"), max_length=100, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("alarm event")
        verbose_name_plural = _("alarm events")

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.kind}"


class AlarmStepRun(models.Model):
    """One escalation step of one alarm, due at ``due_at``; the dispatcher claims it with a lease."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="step_runs")
    step_index = models.PositiveIntegerField()
    # The policy step it runs (a repeat of the last step has a higher index and the same kind).
    kind = models.CharField(max_length=32, choices=StepKind.choices)
    timeout_seconds = models.PositiveIntegerField()
    radius_m = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=StepRunState.choices, default=StepRunState.SCHEDULED)
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["alarm", "step_index"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["alarm", "step_index"], name="alarm_step_run_once"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(state__in=["scheduled", "claimed"]),
                name="alarm_step_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alarm_id}#{self.step_index} {self.state}"


class AlarmNotice(models.Model):
    """One responder told about one step of an alarm; the SMS is the core ``Notification`` beside it.

    The acknowledgement link carries a random token; only its hash is stored.
    """

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="notices")
    step_index = models.PositiveIntegerField()
    recipient_key = models.CharField(max_length=80)
    label = models.CharField(max_length=100, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notification = models.ForeignKey(
        "core.Notification", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["alarm", "step_index", "id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["alarm", "step_index", "recipient_key"], name="alarm_notice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alarm_id}#{self.step_index} {self.recipient_key}"
