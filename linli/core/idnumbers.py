"""Resident ID numbers (GB 11643-1999): 6-digit address code, birth date, sequence, check character."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError
from linli.core.normalize import squeeze

# GB 11643-1999 §6: weights of the first 17 digits and the check characters by sum mod 11.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


@dataclass(frozen=True)
class IdNumber:
    number: str  # normalised: upper-case X
    birth_date: dt.date
    sex: str  # "male" or "female": odd sequence = male
    legacy: bool  # a 15-digit number issued before 1999 (YYMMDD, no check character)


def _digits(text: str) -> bool:
    # str.isdigit() also accepts other scripts' digits (e.g. Devanagari), which would index differently.
    return bool(text) and all("0" <= c <= "9" for c in text)


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _birth_date(text: str) -> dt.date:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise DomainError(
            "id_bad_date", _("The birth date in this ID number does not exist."), field="id_number"
        ) from exc


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise an ID number; raise DomainError with a specific Chinese message.

    The address code is not checked against today's division list: it is the one in force when the
    number was issued (DOMAIN.md).
    """
    text = squeeze(raw).upper()
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, compared with birth dates
    if len(text) == 18:
        if not _digits(text[:17]) or not (_digits(text[17]) or text[17] == "X"):
            raise DomainError(
                "id_bad_characters",
                _("An ID number has 17 digits followed by a digit or X."),
                field="id_number",
            )
        birth = _birth_date(text[6:14])
        if birth > today or birth.year < 1850:
            raise DomainError(
                "id_bad_date", _("The birth date in this ID number is impossible."), field="id_number"
            )
        if check_character(text[:17]) != text[17]:
            raise DomainError(
                "id_bad_check",
                _("The check character of this ID number is wrong; please check each digit."),
                field="id_number",
            )
        sex = "male" if int(text[16]) % 2 else "female"
        return IdNumber(number=text, birth_date=birth, sex=sex, legacy=False)
    if len(text) == 15:
        if not _digits(text):
            raise DomainError(
                "id_bad_characters", _("A 15-digit ID number has digits only."), field="id_number"
            )
        # Old numbers carry YYMMDD; they were issued to people born in the 1900s.
        birth = _birth_date("19" + text[6:12])
        sex = "male" if int(text[14]) % 2 else "female"
        return IdNumber(number=text, birth_date=birth, sex=sex, legacy=True)
    raise DomainError(
        "id_bad_length", _("An ID number has 18 characters (or 15 digits for old ones)."), field="id_number"
    )


def upgrade_legacy(number15: str) -> str:
    """The 18-character form of a 15-digit number: insert the century "19" and add the check character."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


def looks_like_id_number(text: str) -> bool:
    compact = squeeze(text).upper()
    return len(compact) in (15, 18) and _digits(compact[:15])


def mask_id_number(number: str) -> str:
    """Show the province and the check character only: ``11***************X``.

    The birth date is shown in clear beside the number and the county is usually the district's own, so a
    mask that kept the sequence digits (the common "first 3, last 4") would give the whole number away.
    """
    if len(number) < 8:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 3) + number[-1:]
