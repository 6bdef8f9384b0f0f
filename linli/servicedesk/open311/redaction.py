"""Personal data taken out of free text before GET requests publishes it.

GeoReport v2 publishes a request's ``description`` to anyone. Linli returns it for requests that came in
through Open311 (their reporters wrote to a public API, as every GeoReport app tells them), with every
phone number, ID number and email address removed: any run of seven or more digits (with spaces, dashes or
brackets inside it, a leading + or a final X) and anything shaped like an email. Dates such as 2024-05-01
stay. The names the case knows (the requester's, the resident's) are removed too, with their given name.
Other people's names cannot be found reliably in free text: that is why descriptions written at the desk
or by workers are never returned at all (see ``linli.servicedesk.open311.documents``).
"""

import re

from django.utils.translation import gettext

from linli.core.idnumbers import looks_like_id_number
from linli.core.normalize import squeeze
from linli.core.phones import looks_like_mobile

_DIGIT = "0-9０-９"
_DATE = rf"[{_DIGIT}]{{4}}(?:[-/.年][{_DIGIT}]{{1,2}}){{2}}[日号]?"
_NUMBER = rf"[+＋]?[{_DIGIT}](?:[{_DIGIT}\s\-－()（）]*[{_DIGIT}XxＸｘ])?"
_EMAIL = r"[A-Za-z0-9._%+-]+\s*[@＠]\s*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_PATTERN = re.compile(rf"(?P<email>{_EMAIL})|(?P<date>{_DATE})|(?P<number>{_NUMBER})")
MIN_DIGITS = 7  # the shortest local landline number


def _replace(match: re.Match[str]) -> str:
    if match["date"]:
        return match["date"]
    if match["email"]:
        return gettext("[removed]")
    compact = squeeze(match["number"])
    digits = sum(char.isdigit() for char in compact)
    if digits >= MIN_DIGITS or looks_like_id_number(compact) or looks_like_mobile(compact):
        return gettext("[removed]")
    return match["number"]


_CJK = re.compile(r"[\u3400-\u9fff]")


def name_variants(name: str) -> list[str]:
    """How a known name may appear in a text: whole, and by its given name (王小明 → 小明; a
    four-character name is taken to have a two-character family name: 欧阳明月 → 明月; john smith → john,
    smith)."""
    name = name.strip()
    if not name:
        return []
    variants = [name]
    if _CJK.search(name):
        compact = "".join(name.split())
        variants.append(compact)
        if len(compact) == 3:
            variants.append(compact[1:])
        elif len(compact) >= 4:
            variants.append(compact[2:])
    else:
        variants += [part for part in name.split() if len(part) >= 2]
    # Longest first, so a whole name is removed before its parts.
    return sorted(set(variants), key=len, reverse=True)


def scrub_personal_data(text: str, *, names: tuple[str, ...] = ()) -> str:
    """The text with phone numbers, ID numbers, email addresses and the given ``names`` replaced by a
    marker."""
    if not text:
        return text
    scrubbed = _PATTERN.sub(_replace, text)
    for name in names:
        for variant in name_variants(name):
            scrubbed = re.sub(re.escape(variant), gettext("[removed]"), scrubbed, flags=re.IGNORECASE)
    return scrubbed
