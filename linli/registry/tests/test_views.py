import pytest
from django.urls import reverse
from django.utils import translation

from linli.core.models import AuditEvent
from linli.registry.models import Resident
from linli.registry.tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture
def client_a(staff_client, worker_a):
    return staff_client(worker_a)


@pytest.fixture
def people(grid_a):
    household = HouseholdFactory(building__area=grid_a, area=grid_a)
    return [
        ResidentFactory(household=household, area=grid_a, name=name, id_number=number, phone=phone)
        for name, number, phone in [
            ("王建国", "11010519491231002X", "13812345678"),
            ("王建华", "360426199101010071", "13912345678"),
            ("李梅", "110102199101010078", "13712345678"),
        ]
    ]


def names(response):
    return [r.name for r in response.context["residents"]]


def test_search_by_name_prefix(client_a, people):
    assert names(client_a.get(reverse("registry:search"), {"q": "王建"})) == ["王建华", "王建国"]


def test_search_by_full_id_number_and_by_phone(client_a, people):
    assert names(client_a.get(reverse("registry:search"), {"q": "36042619910101007１"})) == ["王建华"]
    assert names(client_a.get(reverse("registry:search"), {"q": "137 1234 5678"})) == ["李梅"]


def test_search_page_issues_a_fixed_number_of_queries(client_a, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client_a.get(reverse("registry:search"), {"q": "王"})
    assert len(response.context["residents"]) == 2


def test_resident_page_shows_masked_values_only(client_a, people):
    response = client_a.get(reverse("registry:resident", args=[people[0].pk]))

    body = response.content.decode()
    assert "11010519491231002X" not in body and "11***************X" in body
    assert "13812345678" not in body and "138****5678" in body


def test_reveal_shows_the_value_and_audits_the_reason(client_a, people):
    response = client_a.post(
        reverse("registry:resident_reveal", args=[people[0].pk]),
        {"field": "id_number", "reason": "办理高龄津贴"},
    )

    assert "11010519491231002X" in response.content.decode()
    assert AuditEvent.objects.filter(action="personal_data.revealed", reason="办理高龄津贴").count() == 1


def test_reveal_without_a_reason_shows_nothing(client_a, people):
    response = client_a.post(reverse("registry:resident_reveal", args=[people[0].pk]), {"field": "id_number"})

    assert response.status_code == 400
    assert "11010519491231002X" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data.revealed").exists()


def test_edit_form_shows_a_chinese_message_beside_a_bad_id_number(client_a, people):
    with translation.override("zh-hans"):
        response = client_a.post(
            reverse("registry:resident_edit", args=[people[2].pk]),
            {
                "name": "李梅",
                "id_number": "360426199113010079",
                "phone": "",
                "hukou_status": "registered",
                "ethnicity": "01",
                "residence_status": "living_here",
                "relation_to_head": "other",
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    assert response.status_code == 200
    assert "出生日期" in " ".join(response.context["form"].errors["id_number"])
    assert Resident.objects.get(pk=people[2].pk).id_number == "110102199101010078"


def test_export_is_masked_and_audited(client_a, people):
    response = client_a.get(reverse("registry:export"), {"q": "王"})

    body = b"".join(response.streaming_content).decode()
    assert "王建国" in body and "11010519491231002X" not in body and "11***************X" in body
    assert AuditEvent.objects.get(action="residents.exported").data["count"] == 2


def test_home_counts_the_workers_area(client_a, people):
    response = client_a.get(reverse("home"))

    counts = response.context["counts"]
    assert counts.residents == 3 and counts.households == 1
    assert counts.aged_60_plus == 1  # born 1949; the other two in 1991


def test_adding_and_ending_a_tag_from_the_resident_page(client_a, people):
    url = reverse("registry:tag_add", args=[people[0].pk])
    client_a.post(url, {"tag": "elderly_living_alone", "source": "入户走访", "valid_from": "2025-06-01"})
    tag = people[0].tags.get()

    client_a.post(reverse("registry:tag_end", args=[tag.pk]), {"reason": "子女已回家同住"})

    tag.refresh_from_db()
    assert tag.ended_at is not None and tag.end_reason == "子女已回家同住"


def test_household_page_queries_do_not_grow_with_members(client_a, people, django_assert_max_num_queries):
    household = people[0].household
    for i in range(10):
        ResidentFactory(household=household, area=household.area, name=f"成员{i}")

    with django_assert_max_num_queries(10):
        response = client_a.get(reverse("registry:household", args=[household.pk]))
    assert len(response.context["members"]) == 13


def test_home_page_issues_a_fixed_number_of_queries(client_a, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client_a.get(reverse("home"))


def test_a_long_result_list_says_that_it_is_cut(client_a, people, settings):
    settings.LINLI_PAGE_SIZE = 2

    response = client_a.get(reverse("registry:search"), {"q": "王"})

    assert response.context["more_than_shown"] is True
    assert b'data-testid="more-results"' in response.content


def test_the_edit_form_never_sends_personal_data_in_clear(client_a, people):
    page = client_a.get(reverse("registry:resident_edit", args=[people[0].pk])).content.decode()

    assert "11010519491231002X" not in page and "13812345678" not in page
    assert not AuditEvent.objects.filter(action="personal_data.revealed").exists()


def test_blank_personal_fields_in_the_edit_form_keep_their_values(client_a, people):
    resident = people[1]
    client_a.post(
        reverse("registry:resident_edit", args=[resident.pk]),
        {
            "name": "王建华",
            "id_number": "",
            "phone": "",
            "hukou_status": "non_registered",
            "ethnicity": "01",
            "residence_status": "living_here",
            "relation_to_head": "other",
        },
    )

    resident.refresh_from_db()
    assert resident.hukou_status == "non_registered"
    assert resident.id_number == "360426199101010071" and resident.phone == "13912345678"


def test_export_cells_cannot_run_as_spreadsheet_formulas(client_a, people):
    Resident.objects.filter(pk=people[2].pk).update(name="=HYPERLINK(1)")

    body = b"".join(client_a.get(reverse("registry:export"), {"q": "=HY"}).streaming_content).decode()

    assert "'=HYPERLINK(1)" in body
