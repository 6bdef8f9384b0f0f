from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area
from linli.intake import normalize
from linli.intake.models import ImportProfile, SourceKind
from linli.registry.choices import Tag


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Department list (xlsx, xls or CSV)"))
    area = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("Area the list covers"))
    source_kind = forms.ChoiceField(choices=SourceKind.choices, label=_("Where the list comes from"))
    source_label = forms.CharField(
        max_length=64,
        required=False,
        label=_("Name of the list"),
        help_text=_("For example 2026年高龄津贴名册"),
    )
    profile = forms.ModelChoiceField(
        queryset=ImportProfile.objects.all(), required=False, label=_("Saved column mapping")
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class LayoutForm(forms.Form):
    """Sheet, header row and one target per column; the column fields are added per file."""

    sheet = forms.ChoiceField(label=_("Sheet"))
    header_row = forms.IntegerField(min_value=1, label=_("Header row (as numbered in the spreadsheet)"))
    constant_tags = forms.MultipleChoiceField(
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Every row has the tag"),
    )
    save_profile_as = forms.CharField(max_length=100, required=False, label=_("Save this mapping as"))

    def __init__(self, *args: Any, sheets: list[str], header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(s, s) for s in sheets]  # type: ignore[attr-defined]
        targets = [(key, label) for key, label in normalize.TARGET_FIELDS.items()]
        self.columns: list[tuple[str, str]] = []
        for index, label in enumerate(header):
            if not label:
                continue
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(choices=targets, label=label, required=True)
            self.columns.append((name, label))

    def mapping(self) -> dict[str, str]:
        return {label: self.cleaned_data[name] for name, label in self.columns}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("keep_left", _("Same person: keep the left record")),
            ("keep_right", _("Same person: keep the right record")),
            ("apart", _("Two different people")),
            ("choose", _("Take the department's value")),
            ("current", _("Keep the current value")),
            ("undo", _("Undo the merge")),
        ]
    )
    reason = forms.CharField(max_length=200, required=False, label=_("Reason"))
