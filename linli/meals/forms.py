"""Input checks at the edge: malformed input is a form error; the rules themselves live in services."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Capability
from linli.core.models import Area
from linli.meals.models import CanteenKind, Meal, RuleKind
from linli.meals.pricing import parse_yuan, yuan
from linli.registry.access import area_condition
from linli.registry.choices import Tag


def manageable_areas(user: Any) -> QuerySet[Area]:
    """The district, streets and communities where the user manages meals: where canteens and rules sit."""
    condition = area_condition(user, Capability.MANAGE_MEALS, field="code")
    if condition is None:
        return Area.objects.none()
    return Area.objects.filter(condition).exclude(level="grid").order_by("code")


# The dates a page may be asked for, and the money one field may hold (10,000 yuan): beyond them the
# arithmetic of dates overflows, or the amount does not fit the database's integer.
EARLIEST_DAY, LATEST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
MAX_FEN = 1_000_000


class YuanField(forms.CharField):
    """An amount typed in yuan, cleaned to integer fen."""

    def __init__(self, *, max_fen: int = MAX_FEN, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        self.max_fen = max_fen
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return yuan(value) if isinstance(value, int) else value

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        try:
            fen = parse_yuan(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Enter an amount in yuan, e.g. 12.50.")) from exc
        if fen > self.max_fen:
            raise forms.ValidationError(
                _("Enter an amount of at most %(most)s yuan."), params={"most": yuan(self.max_fen)}
            )
        return fen


def _menu_day(day: dt.date) -> dt.date:
    """Menus are made for today or a day of the coming year (Beijing time)."""
    today = timezone.localdate()
    if not today <= day <= today + dt.timedelta(days=366):
        raise forms.ValidationError(_("Choose today or a day within the coming year."))
    return day


class CanteenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CanteenKind.choices)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    address = forms.CharField(label=_("Address"), max_length=200)
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    phone = forms.CharField(label=_("Canteen phone"), max_length=32, required=False)
    min_age = forms.IntegerField(
        label=_("Open to residents aged at least"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("Leave empty when every resident may come (a school canteen often sets 60)."),
    )
    delivers = forms.BooleanField(label=_("Delivers meals"), required=False)
    delivery_fee = YuanField(label=_("Delivery fee (yuan)"), required=False)
    is_active = forms.BooleanField(label=_("Open to residents"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, current_area: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = manageable_areas(user)
        if current_area is not None:  # a canteen placed in a grid keeps its grid
            areas = areas | Area.objects.filter(pk=current_area.pk)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["delivery_fee_fen"] = data.pop("delivery_fee") or 0
        return data


class MealForm(forms.Form):
    meal = forms.ChoiceField(label=_("Meal"), choices=Meal.choices)
    opens_at = forms.TimeField(label=_("Opens at"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes_at = forms.TimeField(label=_("Closes at"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_("Portions per day"), min_value=1, max_value=100000)
    cutoff_minutes = forms.IntegerField(
        label=_("Orders close (minutes before opening)"), min_value=0, max_value=48 * 60, initial=120
    )


class DishForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    meal = forms.ChoiceField(label=_("Meal"), choices=Meal.choices)
    name = forms.CharField(label=_("Dish or set meal"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    price = YuanField(label=_("Price (yuan)"))
    is_set_meal = forms.BooleanField(label=_("Set meal"), required=False, initial=True)

    def clean_day(self) -> dt.date:
        return _menu_day(self.cleaned_data["day"])


class CopyMenuForm(forms.Form):
    from_day = forms.DateField(label=_("Copy the menu of"), widget=forms.DateInput(attrs={"type": "date"}))
    to_day = forms.DateField(label=_("Copy it to"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_to_day(self) -> dt.date:
        return _menu_day(self.cleaned_data["to_day"])


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    kind = forms.ChoiceField(label=_("Applies by"), choices=RuleKind.choices)
    min_age = forms.IntegerField(label=_("From age"), required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(label=_("Up to age"), required=False, min_value=0, max_value=120)
    tag = forms.ChoiceField(label=_("Tag"), choices=[("", "—"), *Tag.choices], required=False)
    max_grade = forms.IntegerField(
        label=_("Disability grades up to"),
        required=False,
        min_value=1,
        max_value=4,
        help_text=_("The disability certificate's level: 1 is the most severe."),
    )
    amount = YuanField(label=_("Subsidy per meal (yuan)"), required=False)
    percent = forms.IntegerField(
        label=_("Subsidy (percent of the price)"), required=False, min_value=0, max_value=100
    )
    grants_delivery = forms.BooleanField(label=_("May have meals delivered"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = manageable_areas(user)  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["amount_fen"] = data.pop("amount") or 0
        data["percent"] = data.get("percent") or 0
        return data


class WorkerOrderForm(forms.Form):
    dish = forms.IntegerField(widget=forms.HiddenInput)
    delivery = forms.BooleanField(label=_("Deliver to the resident's home"), required=False)
    note = forms.CharField(label=_("Note for the kitchen"), max_length=200, required=False)


def parse_day(text: str | None, default: dt.date) -> dt.date:
    """A day from a link (?day=2026-03-04); the default for anything malformed or far off."""
    try:
        day = dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default
    return day if EARLIEST_DAY <= day <= LATEST_DAY else default


def parse_month(text: str | None, default: dt.date) -> tuple[int, int]:
    """A month from a link (?month=2026-03); the default's month for anything malformed or far off."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        return default.year, default.month
    if not EARLIEST_DAY <= first <= LATEST_DAY:
        return default.year, default.month
    return year, month
