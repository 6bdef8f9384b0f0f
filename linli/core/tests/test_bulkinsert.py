import datetime as dt

from django.db import connection

from linli.core.bulkinsert import insert_rows, update_rows
from linli.registry.models import Resident


def test_inserted_rows_come_back_in_order_with_personal_fields_encrypted(grid_a):
    now = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)
    columns = (
        "area",
        "relation_to_head",
        "name",
        "id_number",
        "id_number_index",
        "id_number_is_legacy",
        "birth_date",
        "sex",
        "phone",
        "phone_index",
        "hukou_status",
        "ethnicity",
        "residence_status",
        "address",
        "created_at",
        "updated_at",
    )
    rows = [
        (
            grid_a.pk,
            "other",
            f"批量{n}",
            "",
            "",
            False,
            dt.date(1950, 1, 1 + n),
            "female",
            f"1390000000{n}",
            "",
            "registered",
            "01",
            "living_here",
            f"地址{n}",
            now,
            now,
        )
        for n in range(3)
    ]

    ids = insert_rows(Resident, columns, rows, returning_ids=True)

    assert [Resident.objects.get(pk=pk).name for pk in ids] == ["批量0", "批量1", "批量2"]
    assert Resident.objects.get(pk=ids[2]).phone == "13900000002"
    assert Resident.objects.get(pk=ids[1]).created_at == now
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, address FROM registry_resident WHERE id = %s", [ids[0]])
        raw_phone, raw_address = cursor.fetchone()
    assert "1390000000" not in raw_phone and "地址" not in raw_address


def test_update_rows_sets_each_row_by_its_key(grid_a):
    ids = insert_rows(
        Resident,
        (
            "area",
            "relation_to_head",
            "name",
            "id_number",
            "id_number_index",
            "id_number_is_legacy",
            "sex",
            "phone",
            "phone_index",
            "hukou_status",
            "ethnicity",
            "residence_status",
            "address",
            "created_at",
            "updated_at",
        ),
        [
            (
                grid_a.pk,
                "other",
                name,
                "",
                "",
                False,
                "",
                "",
                "",
                "registered",
                "01",
                "living_here",
                "",
                dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
            for name in ("甲", "乙")
        ],
        returning_ids=True,
    )

    update_rows(
        Resident,
        ("address", "hukou_status"),
        [(ids[0], "新地址", "non_registered"), (ids[1], "", "registered")],
    )

    first, second = Resident.objects.get(pk=ids[0]), Resident.objects.get(pk=ids[1])
    assert (first.address, first.hukou_status) == ("新地址", "non_registered")
    assert (second.address, second.hukou_status) == ("", "registered")
