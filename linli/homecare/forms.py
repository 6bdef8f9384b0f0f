"""Forms of home care: input is checked here; the rules are the services'."""

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import scope_prefixes
from linli.accounts.roles import Capability
from linli.core.models import Area
from linli.core.ratings import RatingLevel
from linli.homecare.models import Provider, ServiceType

# The two visits a resident picks from: plain morning and afternoon windows.
SLOTS: dict[str, tuple[dt.time, dt.time, Any]] = {
    "morning": (dt.time(8, 0), dt.time(12, 0), _("Morning, 8:00 to 12:00")),
    "afternoon": (dt.time(14, 0), dt.time(18, 0), _("Afternoon, 14:00 to 18:00")),
}
DAYS_AHEAD = 7


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def day_label(day: dt.date, today: dt.date) -> str:
    """ "Tomorrow, 5 March, Thursday": the words an older person reads fastest, in the request's language."""
    text = f"{date_format(day, 'MONTH_DAY_FORMAT')} {date_format(day, 'l')}"
    if day == today + dt.timedelta(days=1):
        return gettext("Tomorrow, %(day)s") % {"day": text}
    if day == today + dt.timedelta(days=2):
        return gettext("The day after tomorrow, %(day)s") % {"day": text}
    return text


class ProviderChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ResidentOrderForm(forms.Form):
    """A resident's order: which day, morning or afternoon, which provider (preselected when only one)."""

    day = forms.ChoiceField(label=_("Which day?"), widget=forms.RadioSelect)
    slot = forms.ChoiceField(
        label=_("What time?"),
        choices=[(key, label) for key, (_s, _e, label) in SLOTS.items()],
        widget=forms.RadioSelect,
    )
    provider = ProviderChoiceField(
        label=_("Who comes?"), queryset=Provider.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    note = forms.CharField(
        label=_("Anything they should know? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, providers: list[Provider], today: dt.date | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        days = [today + dt.timedelta(days=n) for n in range(1, DAYS_AHEAD + 1)]
        cast(forms.ChoiceField, self.fields["day"]).choices = [
            (d.isoformat(), day_label(d, today)) for d in days
        ]
        cast(ProviderChoiceField, self.fields["provider"]).queryset = Provider.objects.filter(
            pk__in=[p.pk for p in providers]
        )
        if len(providers) == 1:
            self.initial.setdefault("provider", providers[0].pk)

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        day = dt.date.fromisoformat(self.cleaned_data["day"])
        start, end, _label = SLOTS[self.cleaned_data["slot"]]
        return _aware(day, start), _aware(day, end)


class WorkerOrderForm(forms.Form):
    """A worker orders for a resident: any window (the service checks it), the provider, a note."""

    provider = ProviderChoiceField(label=_("Provider"), queryset=Provider.objects.none(), empty_label=None)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label=pgettext_lazy("time window", "From"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=pgettext_lazy("time window", "Until"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, providers: list[Provider], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(ProviderChoiceField, self.fields["provider"]).queryset = Provider.objects.filter(
            pk__in=[p.pk for p in providers]
        )

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        day = self.cleaned_data["date"]
        return _aware(day, self.cleaned_data["start"]), _aware(day, self.cleaned_data["end"])


class ActForm(forms.Form):
    action = forms.CharField(
        max_length=16,
        error_messages={"required": _("Please choose what to do."), "max_length": _("Unknown action.")},
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        error_messages={"max_length": _("Please keep the reason under 500 characters.")},
    )

    def first_error(self) -> str:
        """The one message to show above the order when the buttons' form came back invalid."""
        return next((str(e) for errors in self.errors.values() for e in errors), str(_("Unknown action.")))


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=RatingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


def manageable_areas(user: Any) -> Any:
    """Streets and communities (and the user's own areas) under the user's MANAGE_HOME_CARE scope."""
    prefixes = scope_prefixes(user, Capability.MANAGE_HOME_CARE)
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(code__startswith=prefix, level__in=["street", "community"]) | Q(code=prefix)
    return Area.objects.filter(condition).order_by("code")


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    phone = forms.CharField(label=_("Mobile phone (order links are sent here)"), max_length=20)
    area = forms.ModelChoiceField(label=_("Managed by"), queryset=Area.objects.none())
    service_types = forms.ModelMultipleChoiceField(
        label=_("Services offered"), queryset=ServiceType.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    served_areas = forms.ModelMultipleChoiceField(
        label=_("Areas served"), queryset=Area.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Takes orders"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:  # the stored number is kept unless a new one is typed; it is not shown again
            self.fields["phone"].required = False
            self.fields["phone"].help_text = _("Leave empty to keep the current number.")
        areas = manageable_areas(user)
        cast("forms.ModelChoiceField[Area]", self.fields["area"]).queryset = areas
        cast("forms.ModelMultipleChoiceField[Area]", self.fields["served_areas"]).queryset = areas
        types = cast("forms.ModelMultipleChoiceField[ServiceType]", self.fields["service_types"])
        types.queryset = ServiceType.objects.filter(is_active=True)
