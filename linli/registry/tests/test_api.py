import pytest

from linli.accounts.services import issue_api_token
from linli.registry.models import Resident
from linli.registry.tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture
def api(client, worker_a):
    _, key = issue_api_token(user=worker_a, name="test")

    class Api:
        def get(self, url):
            return client.get(url, headers={"Authorization": f"Bearer {key}"})

        def send(self, method, url, payload):
            return getattr(client, method)(
                url, data=payload, content_type="application/json", headers={"Authorization": f"Bearer {key}"}
            )

    return Api()


@pytest.fixture
def household(grid_a):
    return HouseholdFactory(building__area=grid_a, area=grid_a)


def test_search_returns_masked_personal_data(api, household):
    ResidentFactory(household=household, area=household.area, name="王建国", id_number="11010519491231002X")

    [row] = api.get("/api/v1/residents?q=王").json()

    assert row["name"] == "王建国"
    assert row["id_number_masked"] == "11***************X"
    assert "id_number" not in row and "phone" not in row


def test_create_then_patch_a_resident(api, household):
    created = api.send(
        "post",
        "/api/v1/residents",
        {
            "household_id": household.pk,
            "name": "李四",
            "id_number": "360426199101010071",
            "relation_to_head": "child",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["birth_date"] == "1991-01-01" and body["sex"] == "male"

    patched = api.send("patch", f"/api/v1/residents/{body['id']}", {"phone": "13812345678"})

    assert patched.status_code == 200 and patched.json()["phone_masked"] == "138****5678"
    assert Resident.objects.get(pk=body["id"]).phone == "13812345678"


def test_a_broken_rule_answers_code_message_field(api, household):
    response = api.send(
        "post",
        "/api/v1/residents",
        {"household_id": household.pk, "name": "李四", "id_number": "36042619910102009X"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "id_bad_check" and response.json()["field"] == "id_number"
    assert set(response.json()) == {"code", "message", "field"}


def test_malformed_input_answers_422_with_the_field(api, household):
    response = api.send("post", "/api/v1/residents", {"household_id": household.pk})

    assert response.status_code == 422
    assert response.json()["field"] == "name"


def test_no_token_answers_401(client):
    assert client.get("/api/v1/residents?q=王").status_code == 401


def test_openapi_document_lists_the_registry_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {"/api/v1/residents", "/api/v1/residents/{resident_id}", "/api/v1/households"} <= set(paths)


def test_an_unknown_ethnicity_code_is_refused(api, household):
    response = api.send(
        "post", "/api/v1/residents", {"household_id": household.pk, "name": "李四", "ethnicity": "59"}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "ethnicity"


def test_listing_households_costs_the_same_queries_for_more_households(
    api, grid_a, django_assert_max_num_queries
):
    for _ in range(15):
        household = HouseholdFactory(building__area=grid_a, area=grid_a)
        ResidentFactory(household=household, area=grid_a)

    with django_assert_max_num_queries(8):
        rows = api.get("/api/v1/households?limit=200").json()
    assert len(rows) == 15 and all(len(r["member_ids"]) == 1 for r in rows)
