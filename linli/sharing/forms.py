from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area
from linli.sharing import catalogue
from linli.sharing.models import DepartmentClient


class ClientForm(forms.Form):
    department = forms.CharField(label=_("Department"), max_length=64, help_text=_("For example 民政局."))
    name = forms.CharField(label=_("System name"), max_length=100)
    contact = forms.CharField(label=_("Technical contact"), max_length=200, required=False)
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), empty_label=_("- Select an option -")
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class GrantRequestForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=DepartmentClient.objects.none(), empty_label=_("- Select an option -")
    )
    shared_fields = forms.MultipleChoiceField(
        label=_("Fields"),
        choices=catalogue.field_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "ID numbers and phones are personal data: ask for them only where the purpose needs them."
        ),
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), empty_label=_("- Select an option -")
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300)
    expires_on = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )

    def __init__(self, *args: Any, clients: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ClientActiveForm(forms.Form):
    active = forms.BooleanField(required=False)


class AccessLogFilterForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=DepartmentClient.objects.none(),
        required=False,
        empty_label=_("All clients"),
    )
    grant = forms.IntegerField(label=_("Grant number"), required=False, min_value=1)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
