"""Mainland mobile numbers: 11 digits starting with 1, validated with ``phonenumbers`` (region CN)."""

import phonenumbers
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError
from linli.core.normalize import squeeze


def normalize_mobile(raw: str) -> str:
    """Return the 11-digit national number, or raise DomainError("invalid_phone")."""
    text = squeeze(raw).replace("-", "")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise DomainError("invalid_phone", _("This is not a phone number."), field="phone") from exc
    national = str(number.national_number)
    if (
        number.country_code != 86
        or len(national) != 11
        or not national.startswith("1")
        or phonenumbers.number_type(number)
        not in {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
        or not phonenumbers.is_valid_number(number)
    ):
        raise DomainError(
            "invalid_phone",
            _("A mobile number has 11 digits and starts with 1, e.g. 13812345678."),
            field="phone",
        )
    return national


def looks_like_mobile(text: str) -> bool:
    digits = squeeze(text).replace("-", "").removeprefix("+86")
    return len(digits) == 11 and digits.isdigit() and digits.startswith("1")


def mask_phone(phone: str) -> str:
    """138****5678."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def phone_blind_index(phone: str) -> str:
    """The one blind index of a normalised mobile number, shared by accounts and the registry."""
    from linli.core.crypto import blind_index

    return blind_index(phone, context="phone")
