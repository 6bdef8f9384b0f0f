"""The template editor: a form over a ledger definition (basics, filters, grouping, order) and a formset of
columns, in the order the manager gives them."""

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from linli.registry.choices import HukouStatus, ResidenceStatus, Sex, Tag
from linli.reports.definitions import (
    COLUMN_SOURCES,
    DEFAULT_RESIDENCE,
    GROUP_BY_LABELS,
    GROUP_LABELS,
    MAX_COLUMNS,
    MAX_LABEL,
    ORDER_LABELS,
    GroupBy,
    LedgerDefinition,
)

ORDER_FIELDS = ("order_1", "order_2", "order_3")
FILTER_FIELDS = (
    "min_age",
    "max_age",
    "sex",
    "hukou_status",
    "residence_status",
    "tags_all",
    "tags_any",
    "tags_none",
    "household_tags_any",
    "disability_grades",
    "heads_only",
)


def column_choices() -> list[tuple[str, Any]]:
    """The column sources grouped under person, household, area, derived values and tags."""
    grouped: dict[Any, list[tuple[str, Any]]] = {}
    for source in COLUMN_SOURCES.values():
        grouped.setdefault(GROUP_LABELS[source.group], []).append((source.key, source.label))
    return [("", _("- Select an option -")), *grouped.items()]


def _tag_field(label: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class TemplateForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=64,
        help_text=_("Part of the ledger's address; cannot be changed later. e.g. elderly-90-plus"),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    department = forms.CharField(
        label=_("Department"), max_length=64, required=False, help_text=_("Who asks for this ledger")
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(label=_("Active (offered to workers)"), required=False, initial=True)

    min_age = forms.IntegerField(label=_("Aged at least"), required=False, min_value=0, max_value=150)
    max_age = forms.IntegerField(label=_("Aged at most"), required=False, min_value=0, max_value=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Any")), *Sex.choices], required=False)
    hukou_status = forms.ChoiceField(
        label=_("Hukou status"), choices=[("", _("Any")), *HukouStatus.choices], required=False
    )
    residence_status = forms.MultipleChoiceField(
        label=_("Residence status"),
        choices=ResidenceStatus.choices,
        initial=[str(status) for status in DEFAULT_RESIDENCE],
        widget=forms.CheckboxSelectMultiple,
    )
    tags_all = _tag_field(_("Has all of these tags"))
    tags_any = _tag_field(_("Has at least one of these tags"))
    tags_none = _tag_field(_("Has none of these tags"))
    household_tags_any = _tag_field(
        _("Lives in a household where someone has one of these tags"),
        _("e.g. minimum allowance households"),
    )
    disability_grades = forms.TypedMultipleChoiceField(
        label=_("Disability grade"),
        # Formatted when shown, not at import, so each request sees its own language.
        choices=[(grade, format_lazy(_("Grade {grade}"), grade=grade)) for grade in range(1, 5)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    heads_only = forms.BooleanField(label=_("One row per household (its head)"), required=False)
    group_by = forms.ChoiceField(
        label=_("Grouping"), choices=[(str(key), label) for key, label in GROUP_BY_LABELS.items()]
    )
    order_1 = forms.ChoiceField(label=_("Order by"), required=False)
    order_2 = forms.ChoiceField(label=_("then by"), required=False)
    order_3 = forms.ChoiceField(label=_("then by"), required=False)

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        else:
            del self.fields["active"]
        choices = [("", "—"), *[(str(key), label) for key, label in ORDER_LABELS.items()]]
        for name in ORDER_FIELDS:
            self.fields[name].choices = choices  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        filters: dict[str, Any] = {name: data.get(name) for name in FILTER_FIELDS}
        for name in ("sex", "hukou_status"):
            filters[name] = filters[name] or None
        return filters

    def order_by(self) -> list[str]:
        return [self.cleaned_data[name] for name in ORDER_FIELDS if self.cleaned_data.get(name)]


class ColumnForm(forms.Form):
    key = forms.ChoiceField(label=_("Column"), required=False)
    label = forms.CharField(
        label=_("Heading"), max_length=MAX_LABEL, required=False, help_text=_("Leave blank for the usual one")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = column_choices()  # type: ignore[attr-defined]


ColumnFormSet = forms.formset_factory(
    ColumnForm, extra=3, can_order=True, can_delete=True, max_num=MAX_COLUMNS, validate_max=True
)


def columns_from(formset: Any) -> list[dict[str, str]]:
    """The chosen columns in the order given, leaving out deleted rows and rows with no column chosen."""
    return [
        {"key": form.cleaned_data["key"], "label": form.cleaned_data.get("label", "")}
        for form in formset.ordered_forms
        if form.cleaned_data.get("key")
    ]


def definition_from(form: TemplateForm, formset: Any) -> dict[str, Any]:
    return {
        "columns": columns_from(formset),
        "filters": form.filters(),
        "group_by": form.cleaned_data["group_by"],
        "order_by": form.order_by(),
    }


def initial_from(definition: LedgerDefinition) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The form's and the formset's initial data for an existing definition."""
    filters = definition.filters.model_dump(mode="json")
    initial: dict[str, Any] = {
        **{name: filters[name] for name in FILTER_FIELDS},
        "group_by": str(definition.group_by),
    }
    for name, key in zip(ORDER_FIELDS, definition.order_by, strict=False):
        initial[name] = str(key)
    columns = [
        {"key": column.key, "label": column.label, "ORDER": position}
        for position, column in enumerate(definition.columns, start=1)
    ]
    return initial, columns


NEW_TEMPLATE_INITIAL: dict[str, Any] = {"group_by": str(GroupBy.COMMUNITY), "order_1": "area"}
NEW_TEMPLATE_COLUMNS: list[dict[str, Any]] = [
    {"key": key, "label": "", "ORDER": position}
    for position, key in enumerate(["row_number", "name", "sex", "age", "id_number", "address"], start=1)
]
