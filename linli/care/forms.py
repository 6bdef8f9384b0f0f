"""Forms of the care app: the visit form (one tap per answer, on a phone), assignment, rules, volunteers."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.care.models import VisitMethod, VisitOutcome
from linli.care.needs import Need
from linli.core.models import Area
from linli.registry.choices import Tag


class VisitForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=VisitMethod.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(
        label=_("How did it go?"), choices=VisitOutcome.choices, widget=forms.RadioSelect
    )
    needs = forms.MultipleChoiceField(
        label=_("Help needed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )
    visited_on = forms.DateField(
        label=_("Date of the visit"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, needs: Sequence[Need], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        needs_field: Any = self.fields["needs"]
        needs_field.choices = [(need.code, need.label) for need in needs]
        if not needs:
            del self.fields["needs"]


class AssignForm(forms.Form):
    """One visitor: ``u<id>`` for a worker, ``v<id>`` for a volunteer."""

    visitor = forms.RegexField(regex=r"^[uv][0-9]+$", label=_("Visitor"))


class RuleForm(forms.Form):
    tag = forms.ChoiceField(label=_("Tag"), choices=Tag.choices)
    max_level = forms.TypedChoiceField(
        label=_("Grades"),
        coerce=int,
        choices=[
            (0, _("Any grade")),
            (1, _("Grade 1 only")),
            (2, _("Grades 1–2")),
            (3, _("Grades 1–3")),
            (4, _("Grades 1–4")),
        ],
        initial=0,
    )
    interval_days = forms.IntegerField(label=_("Visit every (days)"), min_value=1, max_value=366)
    is_active = forms.BooleanField(label=_("Visits on"), required=False, initial=True)


class VolunteerForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=64)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field: Any = self.fields["area"]
        area_field.queryset = areas
