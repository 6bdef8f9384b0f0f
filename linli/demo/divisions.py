"""The official division codes (NBS 2023) that the demo district is built from, read from CSV at run time."""

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    parent_code: str


# The demo district's codes ship with the package (see data/china-division/README.md).
SHIPPED_DIVISIONS = Path(__file__).resolve().parent / "data" / "china-division"


def division_data_dir() -> Path:
    """``LINLI_DIVISION_DATA`` if set (e.g. the full national set), else the subset shipped with Linli."""
    override = os.environ.get("LINLI_DIVISION_DATA")
    path = Path(override) if override else SHIPPED_DIVISIONS
    if not (path / "streets.csv").exists():
        raise ImproperlyConfigured(
            f"division codes not found in {path}; set LINLI_DIVISION_DATA to the china-division folder"
        )
    return path


def _rows(name: str) -> list[dict[str, str]]:
    with (division_data_dir() / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def district(code: str) -> Division:
    for row in _rows("areas.csv"):
        if row["code"] == code:
            return Division(code=code, name=row["name"], parent_code=row["cityCode"])
    raise ImproperlyConfigured(f"district {code} is not in areas.csv")


def streets_of(district_code: str) -> list[Division]:
    """Streets and towns of a district, in code order."""
    return sorted(
        (
            Division(code=row["code"], name=row["name"], parent_code=row["areaCode"])
            for row in _rows("streets.csv")
            if row["areaCode"] == district_code
        ),
        key=lambda d: d.code,
    )


def communities_of(street_codes: set[str]) -> list[Division]:
    """Communities (居委会) and villages (村委会) of the given streets and towns, in code order."""
    return sorted(
        (
            Division(code=row["code"], name=row["name"], parent_code=row["streetCode"])
            for row in _rows("villages_beijing_subset.csv")
            if row["streetCode"] in street_codes
        ),
        key=lambda d: d.code,
    )


def counties_of(province_codes: set[str]) -> dict[str, list[str]]:
    """County-level codes per province that can appear in ID numbers.

    Codes 70 and above within a city are statistical areas (development zones) that never issued IDs.
    """
    counties: dict[str, list[str]] = {code: [] for code in province_codes}
    for row in _rows("areas.csv"):
        code = row["code"]
        if row["provinceCode"] in counties and int(code[4:6]) < 70:
            counties[row["provinceCode"]].append(code)
    return {province: sorted(codes) for province, codes in counties.items()}
