"""Engine input from sheet cells: one resident record from the mapped cells of a row."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from linli.intake.normalize import normalize_row


def resident_record(cells: Mapping[str, str], *, today: dt.date) -> dict[str, Any]:
    """The roles of ``RESIDENT_SCHEMA`` from a row's cells (role → text), normalised as an import does.

    An ID number that fails its check character is kept (with ``id_valid`` false): the engine uses it as a
    candidate key, never as a match. A landline is not a phone here: households share them.
    """
    row = normalize_row({role: text for role, text in cells.items() if text}, today=today)
    values = row.values
    id_value = row.id_number
    birth = values.get("birth_date")
    return {
        "id_number": id_value.number if id_value is not None else "",
        "id_valid": bool(id_value is not None and id_value.valid),
        "name": values.get("name", ""),
        "birth_date": birth.isoformat() if isinstance(birth, dt.date) else "",
        "sex": values.get("sex") or "",
        "phone": values.get("phone", ""),
        "address": values.get("address", ""),
    }
