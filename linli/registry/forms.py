from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.registry.choices import ETHNICITIES, HukouStatus, Relation, ResidenceStatus, Tag
from linli.registry.models import Building, Resident


class ResidentFieldsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        required=False,
        help_text=_("18 characters; a final x is accepted. 15-digit old numbers are recognised."),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    hukou_status = forms.ChoiceField(label=_("Hukou status"), choices=HukouStatus.choices)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITIES, initial="01")
    residence_status = forms.ChoiceField(label=_("Residence status"), choices=ResidenceStatus.choices)


class DuplicateCheckMixin(forms.Form):
    """Shown once possible duplicates were found: the worker confirms this is a different person."""

    confirm_new = forms.BooleanField(
        required=False, label=_("This is a different person: register anyway"), widget=forms.HiddenInput
    )

    def reveal_confirmation(self) -> None:
        self.fields["confirm_new"].widget = forms.CheckboxInput()


class MemberForm(ResidentFieldsForm, DuplicateCheckMixin):
    relation_to_head = forms.ChoiceField(
        label=_("Relation to head"), choices=[c for c in Relation.choices if c[0] != Relation.HEAD]
    )


class ResidentEditForm(MemberForm):
    """The head's relation is changed by choosing another head on the household page."""

    def __init__(self, *args: Any, is_head: bool, masked: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["confirm_new"]  # an edit is of a known record: no duplicate question
        if is_head:
            del self.fields["relation_to_head"]
        for name, shown in masked.items():
            if shown:
                self.fields[name].widget.attrs["placeholder"] = shown
                self.fields[name].help_text = _(
                    "Shown masked. Leave blank to keep it; type a new one to change it."
                )


class HouseholdForm(ResidentFieldsForm, DuplicateCheckMixin):
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), empty_label=_("- Select an option -")
    )
    room = forms.CharField(label=_("Unit and room"), max_length=32, required=False)

    def __init__(self, *args: Any, buildings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]
        self.order_fields(["building", "room", "name", "id_number", "phone"])


class HouseholdEditForm(forms.Form):
    room = forms.CharField(label=_("Unit and room"), max_length=32, required=False)
    head = forms.ModelChoiceField(
        label=_("Head of household"), queryset=Resident.objects.none(), empty_label=_("- Select an option -")
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = members  # type: ignore[attr-defined]


class TagForm(forms.Form):
    tag = forms.ChoiceField(label=_("Tag"), choices=Tag.choices)
    level = forms.TypedChoiceField(
        label=_("Level (disability grade)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (1, _("Grade 1")), (2, _("Grade 2")), (3, _("Grade 3")), (4, _("Grade 4"))],
    )
    source = forms.CharField(
        label=_("Source"), max_length=64, help_text=_("e.g. civil affairs list, home visit")
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].initial = timezone.localdate()


class EndTagForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending"), max_length=200)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")), ("phone", _("Phone"))])
    reason = forms.CharField(label=_("Reason for viewing"), max_length=200, min_length=2)
