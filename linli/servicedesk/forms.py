"""Forms of the service desk. The application form is built from the item's typed fields and materials,
leaving out what the golden record already knows."""

from collections.abc import Collection
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from linli.core.ratings import RatingLevel
from linli.servicedesk.models import FieldType, ServiceItem
from linli.servicedesk.workflow import CONSENT_LABELS


def _label(obj: Any, attribute: str) -> str:
    english = getattr(obj, f"{attribute}_en", "")
    return (
        str(english) if (get_language() or "").startswith("en") and english else str(getattr(obj, attribute))
    )


def _choices(values: list[dict[str, str]]) -> list[tuple[str, str]]:
    english = (get_language() or "").startswith("en")
    return [(v["key"], str(v.get("name_en") or v["name"]) if english else v["name"]) for v in values]


class ApplicationForm(forms.Form):
    """An item's questions and uploads; fields named ``f_<code>`` and ``m_<material id>``."""

    description = forms.CharField(
        label=_("Anything else we should know"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    # Online, required materials are uploaded; a worker may instead see the papers and note it.
    materials_required = True

    def __init__(self, *args: Any, item: ServiceItem, known: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        for field in item.fields.all():
            if field.code in known or field.datatype == FieldType.FILE:
                continue
            common: dict[str, Any] = {
                "label": _label(field, "label"),
                "required": field.required,
                "help_text": field.description,
            }
            built: forms.Field
            if field.datatype == FieldType.NUMBER:
                built = forms.DecimalField(**common)
            elif field.datatype == FieldType.DATE:
                built = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
            elif field.datatype == FieldType.SINGLE:
                built = forms.ChoiceField(choices=_choices(field.values), widget=forms.RadioSelect, **common)
            elif field.datatype == FieldType.MULTIPLE:
                built = forms.MultipleChoiceField(
                    choices=_choices(field.values), widget=forms.CheckboxSelectMultiple, **common
                )
            elif field.datatype == FieldType.LONG_TEXT:
                built = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)
            else:
                built = forms.CharField(max_length=200, **common)
            self.fields[f"f_{field.code}"] = built
        for material in item.materials.all():
            self.fields[f"m_{material.pk}"] = forms.FileField(
                label=_label(material, "name"),
                required=material.required and self.materials_required,
                help_text=material.example,
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,image/*"}),
            )
        if item.is_location_based:
            self.fields["address_string"] = forms.CharField(label=_("Where is it?"), max_length=200)
            self.fields["latitude"] = forms.FloatField(required=False, widget=forms.HiddenInput)
            self.fields["longitude"] = forms.FloatField(required=False, widget=forms.HiddenInput)
        self.order_fields([name for name in self.fields if name != "description"] + ["description"])

    def answers(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("f_") and value not in (None, "", []):
                result[name[2:]] = value.isoformat() if hasattr(value, "isoformat") else value
        return {k: (str(v) if not isinstance(v, list | str | int | float) else v) for k, v in result.items()}

    def uploads(self) -> list[tuple[int, Any]]:
        return [
            (int(name[2:]), value)
            for name, value in self.cleaned_data.items()
            if name.startswith("m_") and value
        ]


class OnBehalfForm(ApplicationForm):
    materials_required = False
    consent_method = forms.ChoiceField(
        label=_("How the resident agreed"),
        choices=[(code, CONSENT_LABELS[code]) for code in ("signed", "in_person", "phone")],
    )
    consent_note = forms.CharField(label=_("Consent note"), max_length=200, required=False)


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=24)
    note = forms.CharField(required=False, max_length=2000)
    queue = forms.CharField(required=False, max_length=48)


class ResubmitForm(forms.Form):
    note = forms.CharField(label=_("Your answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


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


class FollowUpCallForm(forms.Form):
    reached = forms.BooleanField(label=_("Reached the resident"), required=False)
    summary = forms.CharField(
        label=_("What was said"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseRectificationForm(forms.Form):
    outcome = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
