"""Forms of the alarm management pages: input shape only; the rules are in ``services``."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.alarms.models import DutyKind, ResponderKind, StepKind

MAX_STEPS = 6


class PolicyForm(forms.Form):
    """A policy's name and up to six steps (``kind_<i>``, ``timeout_<i>``, ``radius_<i>``); blank rows end."""

    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MAX_STEPS):
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label=_("Step %(n)s") % {"n": i + 1},
                choices=[("", "—"), *StepKind.choices],
                required=False,
            )
            self.fields[f"timeout_{i}"] = forms.IntegerField(
                label=_("Wait (seconds)"), min_value=10, max_value=3600, required=False
            )
            self.fields[f"radius_{i}"] = forms.IntegerField(
                label=_("Within (metres)"), min_value=50, max_value=5000, required=False
            )

    def step_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"kind_{i}"], self[f"timeout_{i}"], self[f"radius_{i}"]) for i in range(MAX_STEPS)]

    def steps(self) -> list[tuple[str, int, int | None]]:
        found = []
        for i in range(MAX_STEPS):
            kind = self.cleaned_data.get(f"kind_{i}")
            if not kind:
                continue
            timeout = self.cleaned_data.get(f"timeout_{i}") or 60
            found.append((kind, timeout, self.cleaned_data.get(f"radius_{i}")))
        return found


class PolicyAreaForm(forms.Form):
    area_code = forms.CharField(label=_("Area code"), max_length=15, min_length=6)


class ShiftForm(forms.Form):
    area_code = forms.CharField(label=_("Area code"), max_length=15, min_length=6)
    kind = forms.ChoiceField(label=_("Duty"), choices=DutyKind.choices)
    username = forms.CharField(label=_("Staff member (user name)"), max_length=150, required=False)
    name = forms.CharField(label=_("Or a name for the duty phone"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


class ResponderForm(forms.Form):
    area_code = forms.CharField(label=_("Area code"), max_length=15, min_length=6)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResponderKind.choices)
    name = forms.CharField(label=_("Name"), max_length=64)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    resident_id = forms.IntegerField(label=_("Family of (resident number)"), required=False)
    relation = forms.CharField(label=_("Relation"), max_length=32, required=False)
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, required=False)
    longitude = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, required=False)


class DeviceForm(forms.Form):
    resident_id = forms.IntegerField(label=_("Resident number"))
    device_id = forms.CharField(label=_("Device id"), max_length=64)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)


class ReportForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(1, _("This month")), (3, _("Last 3 months")), (12, _("Last 12 months"))],
        coerce=int,
        required=False,
    )
    level = forms.TypedChoiceField(
        label=_("Group by"),
        choices=[(9, _("Street or town")), (12, _("Community or village")), (15, _("Grid"))],
        coerce=int,
        required=False,
    )
