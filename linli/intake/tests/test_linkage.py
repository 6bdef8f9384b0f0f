"""The linkage engine on small handmade cases: what rules decide, what the model decides, what a person
sees."""

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import polars as pl
import pytest

from linli.core.idnumbers import check_character
from linli.intake.linkage import (
    RESIDENT_SCHEMA,
    LinkageThresholds,
    LinkResult,
    PairEvidence,
    StoredModel,
    default_model,
    link_records,
)


def id_number(first17: str) -> str:
    return first17 + check_character(first17)


def record(uid: str, **values: Any) -> dict[str, Any]:
    row = {"uid": uid, "name": "", "id_number": "", "birth_date": "", "sex": "", "phone": "", "address": ""}
    row.update(values)
    return row


def link(*records: dict[str, Any]) -> LinkResult:
    return link_records(pl.DataFrame(list(records)), schema=RESIDENT_SCHEMA)


def pair(result: LinkResult, a: str, b: str) -> PairEvidence | None:
    left, right = sorted((a, b))
    return next((p for p in result.pairs if (p.left, p.right) == (left, right)), None)


# A crowd of unrelated people, so that the cases below are not alone in the file.
CROWD = [
    record(
        f"x{i}",
        name=name,
        id_number=id_number(f"110109{1950 + i}0{i % 9 + 1}1{i % 10}{i:03d}"),
        birth_date=f"{1950 + i}-0{i % 9 + 1}-1{i % 10}",
        sex="male" if i % 2 else "female",
        phone=f"1391000{i:04d}",
        address=f"北京市门头沟区大峪街道德露苑{i}号楼1单元101",
    )
    for i, name in enumerate(["李建国", "王秀英", "赵志强", "刘玉兰", "陈立新", "杨桂芳", "周德明", "吴丽娟"])
]
WANG_ID = id_number("11010919800101123")


def test_exact_valid_id_number_is_a_match():
    result = link(
        *CROWD,
        record("a", name="陈伟", id_number=WANG_ID, phone="13912345678"),
        record("b", name="陳偉", id_number=WANG_ID, phone="13800000000"),
    )

    assert result.clusters["a"] == result.clusters["b"]
    evidence = pair(result, "a", "b")
    assert evidence is not None
    assert (evidence.status, evidence.decided_by) == ("match", "id_exact")


def test_id_number_failing_its_check_character_is_a_candidate_not_a_match():
    mistyped = WANG_ID[:10] + ("2" if WANG_ID[10] != "2" else "3") + WANG_ID[11:]
    result = link(
        *CROWD,
        record("a", name="王伟", id_number=WANG_ID, birth_date="1980-01-01", phone="13912345678"),
        record(
            "b", name="王伟", id_number=mistyped, id_valid=False, birth_date="1980-01-01", phone="13800000000"
        ),
    )

    assert result.clusters["a"] != result.clusters["b"]
    evidence = pair(result, "a", "b")
    assert evidence is not None
    assert (evidence.status, evidence.decided_by) == ("candidate", "id_near")


def test_id_number_one_character_apart_is_a_candidate():
    # An old 15-digit number, with one digit of the sequence wrong: no check character catches it.
    legacy = WANG_ID[:6] + WANG_ID[8:14] + "124"
    result = link(
        *CROWD,
        record("a", name="王伟", id_number=WANG_ID, birth_date="1980-01-01", phone="13912345678"),
        record("b", name="王伟", id_number=legacy, birth_date="1980-01-01", phone="13800000000"),
    )

    assert result.clusters["a"] != result.clusters["b"]
    evidence = pair(result, "a", "b")
    assert evidence is not None
    assert (evidence.status, evidence.decided_by) == ("candidate", "id_near")


def test_spouses_sharing_phone_and_address_are_not_linked():
    home = {"phone": "13912345678", "address": "北京市门头沟区龙泉镇琉璃渠村12号"}
    result = link(
        *CROWD,
        record("husband", name="张建军", id_number=id_number("11010919650312301"), **home),
        record("wife", name="李秀兰", birth_date="1967-08-02", sex="female", **home),
        record("wife-again", name="李秀兰", birth_date="1967-08-02", sex="female", phone="13912345678"),
    )

    assert result.clusters["husband"] != result.clusters["wife"]
    assert result.clusters["wife"] == result.clusters["wife-again"]
    assert not any(p.status == "match" and "husband" in (p.left, p.right) for p in result.pairs)


def test_twins_are_not_linked():
    home = {"birth_date": "2015-04-09", "phone": "13912345678", "address": "德露苑3号楼2单元502"}
    result = link(
        *CROWD,
        record("zixuan", name="张子轩", sex="male", id_number=id_number("11010920150409201"), **home),
        record("zihan", name="张子涵", sex="male", **home),
        record("ming", name="李明", sex="male", **home),
        record("liang", name="李亮", sex="male", **home),
    )

    clusters = {result.clusters[uid] for uid in ("zixuan", "zihan", "ming", "liang")}
    assert len(clusters) == 4
    assert not any(p.status == "match" and p.left in {"liang", "ming"} for p in result.pairs)


def test_records_without_id_numbers_match_on_name_birth_date_and_phone():
    result = link(
        *CROWD,
        record("a", name="刘淑珍", birth_date="1948-11-30", phone="13912345678"),
        record("b", name="刘 淑珍", birth_date="1948-11-30", phone="13912345678", address="滨河西区2号楼"),
    )

    assert result.clusters["a"] == result.clusters["b"]
    evidence = pair(result, "a", "b")
    assert evidence is not None
    assert evidence.status == "match"
    assert {"name", "birth_date", "phone"} <= set(evidence.field_weights)


def test_model_links_what_the_rules_leave_open_with_the_weight_of_each_field():
    # No birth date on one side: no rule applies; the model weighs name, phone and address.
    result = link(
        *CROWD,
        record(
            "a",
            name="孙桂英",
            id_number=id_number("11010919520716502"),
            phone="13912345678",
            address="北京市门头沟区城子街道七棵树东街5号楼1单元302",
        ),
        record("b", name="孙桂英", phone="13912345678", address="七棵树东街5-1-302"),
    )

    assert result.clusters["a"] == result.clusters["b"]
    evidence = pair(result, "a", "b")
    assert evidence is not None
    assert (evidence.status, evidence.decided_by) == ("match", "splink")
    assert evidence.match_probability is not None and evidence.match_probability >= 0.95
    assert set(evidence.field_weights) == {"name", "birth_date", "sex", "phone", "address", "id_number"}
    assert evidence.field_weights["phone"] > 0
    assert evidence.field_weights["birth_date"] == 0  # missing on one side: no evidence either way


def test_two_valid_id_numbers_never_share_a_cluster():
    same = {"name": "王芳", "birth_date": "1990-05-05", "phone": "13912345678"}
    result = link(
        *CROWD,
        record("a", id_number=id_number("11010919900505102"), **same),
        record("b", **same),
        record("c", id_number=id_number("11010919900505104"), **same),
    )

    assert result.clusters["a"] != result.clusters["c"]
    assert result.clusters["b"] in {result.clusters["a"], result.clusters["c"]}
    joining = pair(result, "a", "c") or pair(result, "b", "c") or pair(result, "a", "b")
    assert joining is not None
    assert any(p.status == "candidate" for p in result.pairs)


def test_every_record_gets_a_cluster():
    records = [*CROWD, record("lonely", name="欧阳娜娜"), record("nameless")]

    result = link(*records)

    assert set(result.clusters) == {r["uid"] for r in records}
    assert result.clusters["lonely"] == "lonely"
    assert set(result.timings) >= {"prepare", "rules", "model", "cluster", "total"}


def test_linking_is_deterministic():
    records = [
        *CROWD,
        record("a", name="刘淑珍", birth_date="1948-11-30", phone="13912345678"),
        record("b", name="刘淑珍", birth_date="1948-11-30", phone="13912345678"),
        record("c", name="孙桂英", id_number=id_number("11010919520716502"), phone="13700000000"),
        record("d", name="孙桂英", phone="13700000000"),
    ]

    first = link(*records)
    second = link(*reversed(records))

    assert first.clusters == second.clusters
    assert sorted(first.pairs, key=repr) == sorted(second.pairs, key=repr)


def test_pandas_records_are_accepted():
    frame = pd.DataFrame(
        [
            *CROWD,
            record("a", name="陈伟", id_number=WANG_ID),
            record("b", name="陈伟", id_number=WANG_ID),
        ]
    )

    result = link_records(frame, schema=RESIDENT_SCHEMA)

    assert result.clusters["a"] == result.clusters["b"]


def test_thresholds_come_from_settings(settings):
    settings.LINLI_LINKAGE_MATCH_PROBABILITY = 0.99
    settings.LINLI_LINKAGE_REVIEW_PROBABILITY = 0.5

    assert LinkageThresholds.from_settings() == LinkageThresholds(
        match_probability=0.99, review_probability=0.5
    )


def test_a_higher_match_threshold_turns_model_matches_into_candidates():
    records = pl.DataFrame(
        [
            *CROWD,
            record("a", name="孙桂英", id_number=id_number("11010919520716502"), phone="13912345678"),
            record("b", name="孙桂英", phone="13912345678"),
        ]
    )
    strict = LinkageThresholds(match_probability=0.999999999, review_probability=0.5)

    result = link_records(records, schema=RESIDENT_SCHEMA, thresholds=strict)

    assert result.clusters["a"] != result.clusters["b"]
    evidence = pair(result, "a", "b")
    assert evidence is not None
    assert (evidence.status, evidence.decided_by) == ("candidate", "splink")


def test_stored_model_round_trip(tmp_path):
    model = default_model()
    path = tmp_path / "model.json"

    model.save(path)
    loaded = StoredModel.load(path)

    assert loaded == model
    assert loaded.schema_name == "resident"


def test_default_model_can_be_configured(settings, tmp_path):
    path = tmp_path / "model.json"
    model = default_model()
    model.metadata["note"] = "trained elsewhere"
    model.save(path)
    settings.LINLI_LINKAGE_MODEL = str(path)

    assert default_model().metadata["note"] == "trained elsewhere"


@pytest.mark.parametrize("roles", [["given_name", "surname", "birth_date"], ["name", "phone"]])
def test_generic_schema_only_uses_the_roles_present(roles):
    from linli.intake.linkage import generic_schema

    schema = generic_schema(roles)

    keys = {key for rule in schema.rules for key in rule.keys} | {
        k for block in schema.blocking for k in block
    }
    assert keys <= {*roles, "name_key", "birth_year"}
    assert not schema.id_checked
