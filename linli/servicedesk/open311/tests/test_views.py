"""Every GeoReport v2 method in XML and JSON, its documents shaped like the spec's examples, and every
error the spec lists for it."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.tests.factories import area_tree
from linli.servicedesk.models import Case, CaseEvent
from linli.servicedesk.open311.models import Open311Report, Open311Service, RequestType
from linli.servicedesk.open311.services import revoke_api_key
from linli.servicedesk.open311.tests.factories import (
    DISTRICT,
    GRID,
    app_key,
    building,
    bulk_cases,
    grid,
    item,
    json_of,
    report_form,
    xml_of,
)
from linli.servicedesk.open311.tests.spec import example_json, example_xml, json_shape, xml_shape
from linli.servicedesk.services import transition_case

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
FORMATS = ("xml", "json")


@pytest.fixture
def place():
    area = grid()
    return building(area)


@pytest.fixture
def key(place):
    return app_key()[1]


def post(client, fmt, form):
    return client.post(f"{BASE}/requests.{fmt}", form)


def create(client, key, **overrides) -> str:
    response = post(client, "json", report_form(key, **overrides))
    assert response.status_code == 200, response.content
    return str(response.json()[0]["service_request_id"])


def errors_of(response, fmt):
    """The (code, description) pairs of an error document, after checking its shape against the spec's."""
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "errors"
        for error in root:
            assert xml_shape(error) == xml_shape(example_xml("13_Errors_xml-errors.xml")[0])
        return [(int(error.findtext("code") or ""), error.findtext("description")) for error in root]
    body = json_of(response)
    assert json_shape(body) == json_shape(example_json("14_Errors_json-errors.json"))
    return [(error["code"], error["description"]) for error in body]


def assert_error(response, fmt, status, *words):
    assert response.status_code == status
    errors = errors_of(response, fmt)
    assert errors
    assert all(code == status for code, _ in errors)
    text = " ".join(description for _, description in errors)
    for word in words:
        assert word in text


# --- discovery ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_its_formats_and_where_to_get_a_key(client, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")

    assert response.status_code == 200
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "discovery"
        assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
        endpoint = root.find("endpoints/endpoint")
        assert endpoint is not None
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint.findtext("url") == "http://testserver/open311/v2"
        assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
        assert endpoint.findtext("type") == "production"
    else:
        body = json_of(response)
        assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
        assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
        assert body["endpoints"][0]["url"] == "http://testserver/open311/v2"


def test_the_endpoint_root_serves_the_discovery_document(client):
    response = client.get(f"{BASE}/")

    assert response.status_code == 200
    assert xml_of(response).tag == "discovery"


# --- GET services ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_offers_the_location_based_items_only(client, place, fmt):
    response = client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": DISTRICT})

    assert response.status_code == 200
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "services"
        example = example_xml("00_GET_Service_List_xml-service-list.xml")
        assert {xml_shape(s)["service"].__repr__() for s in root} == {repr(xml_shape(example[0])["service"])}
        codes = [s.findtext("service_code") for s in root]
    else:
        body = json_of(response)
        assert json_shape(body) == json_shape(example_json("01_GET_Service_List_json-service-list.json"))
        codes = [s["service_code"] for s in body]
    assert "street_lamp" in codes and "manhole_cover" in codes
    # Applications about a person are never offered over Open311.
    assert "minimum_living_allowance" not in codes
    assert "residence_certificate" not in codes


def test_service_list_says_realtime_metadata_and_group(client, place):
    body = client.get(f"{BASE}/services.json").json()

    lamp = next(s for s in body if s["service_code"] == "street_lamp")
    assert lamp["metadata"] is True
    assert lamp["type"] == "realtime"
    assert lamp["group"] == "城市管理"


def test_service_list_speaks_english_when_asked(client, place):
    body = client.get(f"{BASE}/services.json", headers={"accept-language": "en"}).json()

    assert (
        next(s for s in body if s["service_code"] == "street_lamp")["service_name"]
        == "Street lamp out of order"
    )


def test_service_list_gives_a_batch_items_type(client, place):
    Open311Service.objects.create(item=item("noise"), request_type=RequestType.BATCH)

    body = client.get(f"{BASE}/services.json").json()

    assert next(s for s in body if s["service_code"] == "noise")["type"] == "batch"


def test_an_item_closed_to_open311_is_not_listed(client, place):
    lamp = item("street_lamp")
    lamp.channels = ["window"]
    lamp.save(update_fields=["channels"])

    codes = [s["service_code"] for s in client.get(f"{BASE}/services.json").json()]

    assert "street_lamp" not in codes
    assert client.get(f"{BASE}/services/street_lamp.json").status_code == 404


# --- jurisdiction ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["services", "services/street_lamp", "requests", "requests/1", "tokens/abc"])
def test_an_unknown_jurisdiction_is_404(client, place, fmt, path):
    response = client.get(f"{BASE}/{path}.{fmt}", {"jurisdiction_id": "sfgov.org"})

    assert_error(response, fmt, 404, "jurisdiction_id", "sfgov.org")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["services", "services/street_lamp", "requests", "requests/1", "tokens/abc"])
def test_jurisdiction_is_required_where_several_districts_are_served(client, place, fmt, path):
    area_tree("110105001001001")

    response = client.get(f"{BASE}/{path}.{fmt}")

    assert_error(response, fmt, 400, "jurisdiction_id was not provided")
    assert client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": DISTRICT}).status_code == 200


def test_jurisdiction_is_optional_with_one_district(client, place):
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": ""}).status_code == 200


def test_an_endpoint_without_any_district_says_it_is_not_running(client):
    assert_error(client.get(f"{BASE}/services.xml"), "xml", 400, "not running")


# --- GET services/{code} --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_attributes_with_their_values(client, place, fmt):
    response = client.get(f"{BASE}/services/street_lamp.{fmt}", {"jurisdiction_id": DISTRICT})

    assert response.status_code == 200
    if fmt == "xml":
        root = xml_of(response)
        example = example_xml("02_GET_Service_Definition_xml-service-definition.xml")
        assert root.tag == "service_definition"
        assert [c.tag for c in root] == [c.tag for c in example]
        first, expected = root.find("attributes/attribute"), example.find("attributes/attribute")
        assert first is not None and expected is not None
        assert xml_shape(first) == xml_shape(expected)
        assert first.findtext("datatype") == "singlevaluelist"
        assert [v.findtext("key") for v in first.findall("values/value")] == ["off", "flicker", "leaning"]
    else:
        body = json_of(response)
        example = example_json("03_GET_Service_Definition_json-service-definition.json")
        assert set(body) == set(example)
        first = body["attributes"][0]
        assert json_shape(first) == json_shape(example["attributes"][0])
        assert first["code"] == "problem" and first["required"] is True and first["variable"] is True
        orders = [a["order"] for a in body["attributes"]]
        assert orders == list(range(1, len(orders) + 1))
        assert "values" not in body["attributes"][1]  # a string attribute has no values


def test_service_definition_leaves_out_file_fields(client, place):
    lamp = item("street_lamp")
    lamp.fields.create(code="photo", label="照片", datatype="file", required=False, order=99)

    body = client.get(f"{BASE}/services/street_lamp.json").json()

    assert "photo" not in [a["code"] for a in body["attributes"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_404(client, place, fmt):
    response = client.get(f"{BASE}/services/no_such_thing.{fmt}")

    assert_error(response, fmt, 404, "service_code", "no_such_thing")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_person_item_has_no_open311_definition(client, place, fmt):
    assert_error(client.get(f"{BASE}/services/residence_certificate.{fmt}"), fmt, 404, "service_code")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_service_code_is_400(client, place, fmt):
    assert_error(client.get(f"{BASE}/services/.{fmt}"), fmt, 400, "service_code was not provided")


# --- POST requests --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_becomes_a_case_of_the_desk_and_answers_with_its_id(client, key, fmt):
    response = post(client, fmt, report_form(key))

    assert response.status_code == 200
    case = Case.objects.get()
    if fmt == "xml":
        root = xml_of(response)
        example = example_xml("05_POST_Service_Request_xml-service-request-post.xml")
        assert xml_shape(root) == xml_shape(example)
        assert root.findtext("request/service_request_id") == case.number
    else:
        body = json_of(response)
        assert json_shape(body) == json_shape(
            example_json("06_POST_Service_Request_json-service-request-post.json")
        )
        assert body[0]["service_request_id"] == case.number
        assert body[0]["account_id"] is None
    assert case.channel == "open311"
    assert case.item.code == "street_lamp"
    assert case.area.code == GRID  # the nearest building's grid
    assert case.answers == {"problem": "off"}
    assert (case.latitude, case.longitude) == (39.94, 116.10)
    assert case.queue.code  # routed like every case of the desk
    assert case.events.get().action == "submit"
    assert Open311Report.objects.get().case == case


def test_the_spec_example_request_body_is_accepted(client, key):
    body = (
        f"api_key={key}&jurisdiction_id=110109&service_code=street_lamp&lat=39.9401&long=116.1002"
        "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
        "&first_name=john&last_name=smith&phone=13911112222&description=A+large+sinkhole"
        "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
        "&attribute[problem]=flicker&attribute[lamp_number]=BJ-0042"
    )

    response = client.post(
        f"{BASE}/requests.xml", body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )

    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.answers == {"problem": "flicker", "lamp_number": "BJ-0042"}
    assert case.requester_name == "john smith"
    assert case.requester_email == "smit333@sfgov.edu"
    assert case.requester_phone == "13911112222"
    assert case.media_url.endswith("5ed477a060.jpg")
    report = Open311Report.objects.get()
    assert (report.device_id, report.account_id) == ("tt222111", "123456")


def test_a_multivaluelist_takes_every_value_of_attribute_code_brackets(client, key):
    lamp = item("street_lamp")
    lamp.fields.create(
        code="seen",
        label="看到的情况",
        datatype="multiple",
        required=False,
        order=50,
        values=[
            {"key": "dark", "name": "黑"},
            {"key": "spark", "name": "火花"},
            {"key": "smell", "name": "焦味"},
        ],
    )

    create(client, key, **{"attribute[seen][]": ["dark", "spark"]})

    assert Case.objects.get().answers["seen"] == ["dark", "spark"]


def test_chinese_names_are_written_family_name_first(client, key):
    create(client, key, first_name="明月", last_name="欧阳")

    assert Case.objects.get().requester_name == "欧阳明月"


def test_a_report_at_an_address_id_goes_to_that_buildings_grid(client, key):
    other_grid = area_tree("110109002003001")
    there = building(other_grid, latitude=39.99, longitude=116.2, address="另一路8号")

    create(client, key, lat=None, long=None, address_string=None, address_id=str(there.pk))

    case = Case.objects.get()
    assert case.area == other_grid
    assert case.address_id == str(there.pk)
    assert case.address_string == "另一路8号"
    assert (case.latitude, case.longitude) == (39.99, 116.2)


def test_a_report_with_an_address_string_only_goes_to_the_district(client, key):
    create(client, key, lat=None, long=None, address_string="石龙南路与双峪路交叉口")

    case = Case.objects.get()
    assert case.area.code == DISTRICT
    assert case.address_string == "石龙南路与双峪路交叉口"


def test_an_address_string_that_is_a_building_goes_to_its_grid(client, key, place):
    create(client, key, lat=None, long=None, address_string=place.address)

    assert Case.objects.get().area.code == GRID


@pytest.mark.parametrize("request_type", [RequestType.BATCH, RequestType.BLACKBOX])
def test_batch_answers_with_a_token_and_blackbox_with_neither(client, key, request_type):
    Open311Service.objects.create(item=item("street_lamp"), request_type=request_type)

    body = post(client, "json", report_form(key)).json()[0]

    assert "service_request_id" not in body
    if request_type == RequestType.BATCH:
        assert body["token"] == Open311Report.objects.get().token
    else:
        assert "token" not in body
    assert Case.objects.count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_api_key_is_403(client, key, fmt):
    response = post(client, fmt, report_form(key, api_key=None))

    assert_error(response, fmt, 403, "api_key")
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_with_a_wrong_api_key_is_403_as_the_spec_words_it(client, key, fmt):
    response = post(client, fmt, report_form(key, api_key="o311_not-a-key"))

    assert_error(response, fmt, 403, "Invalid api_key received -- can't proceed with create_request.")
    assert not Case.objects.exists()


def test_a_revoked_key_is_refused(client, place):
    api_key, key = app_key()
    revoke_api_key(actor=api_key.created_by, api_key=api_key)

    assert_error(post(client, "xml", report_form(key)), "xml", 403, "api_key")


def test_a_key_of_an_inactive_app_is_refused(client, place):
    api_key, key = app_key()
    api_key.app.active = False
    api_key.app.save(update_fields=["active"])

    assert post(client, "json", report_form(key)).status_code == 403


def test_the_api_key_may_come_in_the_query_string(client, key):
    form = report_form(key, api_key=None)

    response = client.post(f"{BASE}/requests.json?api_key={key}&jurisdiction_id={DISTRICT}", form)

    assert response.status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_to_an_unknown_jurisdiction_is_404(client, key, fmt):
    assert_error(post(client, fmt, report_form(key, jurisdiction_id="999999")), fmt, 404, "jurisdiction_id")


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_jurisdiction_where_several_are_served_is_400(client, key, fmt):
    area_tree("110105001001001")

    response = post(client, fmt, report_form(key, jurisdiction_id=None))

    assert_error(response, fmt, 400, "jurisdiction_id was not provided")


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_service_code_is_400(client, key, fmt):
    assert_error(post(client, fmt, report_form(key, service_code=None)), fmt, 400, "service_code")


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_with_an_unknown_service_code_is_404(client, key, fmt):
    assert_error(
        post(client, fmt, report_form(key, service_code="pothole")), fmt, 404, "service_code", "pothole"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_a_location_is_400(client, key, fmt):
    response = post(client, fmt, report_form(key, lat=None, long=None, address_string=None))

    assert_error(response, fmt, 400, "location")


def test_post_with_lat_but_no_long_is_400(client, key):
    assert_error(post(client, "json", report_form(key, long=None)), "json", 400, "lat and long")


def test_post_far_outside_the_district_is_400(client, key):
    assert_error(post(client, "json", report_form(key, lat="31.23", long="121.47")), "json", 400, "outside")


def test_post_with_an_address_id_not_in_the_district_is_400(client, key):
    assert_error(
        post(client, "json", report_form(key, lat=None, long=None, address_id="99999999")),
        "json",
        400,
        "address_id",
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_a_required_attribute_is_400_naming_it(client, key, fmt):
    response = post(client, fmt, report_form(key, **{"attribute[problem]": None}))

    assert_error(response, fmt, 400, "attribute[problem]")
    assert not Case.objects.exists()


def test_post_with_a_value_not_in_the_list_is_400(client, key):
    response = post(client, "json", report_form(key, **{"attribute[problem]": "exploded"}))

    assert_error(response, "json", 400, "attribute[problem]")


def test_every_problem_of_a_post_is_reported_at_once(client, key):
    response = post(client, "json", report_form(key, service_code=None, lat="north", description="x" * 4001))

    errors = errors_of(response, "json")
    assert response.status_code == 400
    assert len(errors) >= 3


def test_a_phone_that_is_not_a_mobile_number_is_400(client, key):
    assert_error(post(client, "json", report_form(key, phone="111111111")), "json", 400)


def test_a_media_url_must_be_http(client, key):
    assert_error(
        post(client, "json", report_form(key, media_url="javascript:alert(1)")), "json", 400, "media_url"
    )


def test_post_needs_no_csrf_token(key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert strict.post(f"{BASE}/requests.json", report_form(key)).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_methods_are_refused_in_the_errors_shape(client, place, fmt):
    response = client.delete(f"{BASE}/requests.{fmt}")

    assert_error(response, fmt, 400, "DELETE")
    assert response["Allow"] == "GET, POST"
    assert_error(client.post(f"{BASE}/services.{fmt}"), fmt, 400, "POST")


# --- GET tokens/{token} ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_gives_the_service_request_id(client, key, fmt):
    Open311Service.objects.create(item=item("street_lamp"), request_type=RequestType.BATCH)
    token = post(client, "json", report_form(key)).json()[0]["token"]

    response = client.get(f"{BASE}/tokens/{token}.{fmt}", {"jurisdiction_id": DISTRICT})

    assert response.status_code == 200
    number = Case.objects.get().number
    if fmt == "xml":
        root = xml_of(response)
        assert xml_shape(root) == xml_shape(
            example_xml("07_GET_service_request_id_from_a_token_xml-request-from-token.xml")
        )
        assert root.findtext("request/service_request_id") == number
        assert root.findtext("request/token") == token
    else:
        body = json_of(response)
        example = example_json("08_GET_service_request_id_from_a_token_json-request-from-token.json")
        assert json_shape(body) == json_shape(example)
        assert body == [{"service_request_id": number, "token": token}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_token_is_404(client, place, fmt):
    assert_error(client.get(f"{BASE}/tokens/nope.{fmt}"), fmt, 404, "token")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_token_is_400(client, place, fmt):
    assert_error(client.get(f"{BASE}/tokens/.{fmt}"), fmt, 400, "token was not provided")


# --- GET requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_lists_reports_shaped_like_the_spec(client, key, fmt):
    first = create(client, key)
    second = create(client, key, **{"attribute[problem]": "flicker"})

    response = client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": DISTRICT})

    assert response.status_code == 200
    if fmt == "xml":
        root = xml_of(response)
        example = example_xml("09_GET_Service_Requests_xml-service-requests.xml")
        assert xml_shape(root) == xml_shape(example)
        assert [c.tag for c in root[0]] == [c.tag for c in example[0]]
        assert [r.findtext("service_request_id") for r in root] == [second, first]
        assert root[0].findtext("status") == "open"
    else:
        body = json_of(response)
        assert json_shape(body) == json_shape(
            example_json("10_GET_Service_Requests_json-service-requests.json")
        )
        assert [r["service_request_id"] for r in body] == [second, first]
        assert body[0]["lat"] == 39.94 and body[0]["long"] == 116.1


def test_datetimes_carry_the_offset_of_beijing_time(client, key):
    create(client, key)

    request = client.get(f"{BASE}/requests.json").json()[0]

    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        value = dt.datetime.fromisoformat(request[name])
        assert value.utcoffset() == dt.timedelta(hours=8), name
        assert request[name].endswith("+08:00")


def test_a_closed_request_says_closed_with_its_public_note_and_close_time(client, key, place):
    number = create(client, key)
    case = Case.objects.get(number=number)
    from linli.accounts.roles import Role
    from linli.accounts.tests.factories import staff_with_role

    worker = staff_with_role(Role.COMMUNITY_WORKER, case.area.parent)
    later = case.submitted_at + dt.timedelta(hours=2)
    for step, action in enumerate(("accept", "start", "complete")):
        case = transition_case(
            actor=worker,
            case=case,
            action=action,
            note="已更换灯泡" if action == "complete" else "",
            now=later + dt.timedelta(minutes=step),
        )

    request = client.get(f"{BASE}/requests/{number}.json").json()[0]

    assert request["status"] == "closed"
    assert request["status_notes"] == "已更换灯泡"
    assert case.closed_at is not None
    assert dt.datetime.fromisoformat(request["updated_datetime"]) == case.closed_at.replace(microsecond=0)


def test_requests_default_to_the_last_90_days(client, place):
    area = grid()
    bulk_cases(1, area=area, submitted_at=timezone.now() - dt.timedelta(days=89))
    bulk_cases(1, area=area, submitted_at=timezone.now() - dt.timedelta(days=91), prefix="OLD")

    numbers = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]

    assert numbers == ["BULK00000000"]


def test_requests_return_at_most_1000(client, place):
    bulk_cases(1001, area=grid())

    body = client.get(f"{BASE}/requests.json").json()

    assert len(body) == 1000
    assert body[0]["service_request_id"] == "BULK00000000"  # the newest first


def test_requests_filter_by_service_code_status_and_dates(client, key):
    lamp = create(client, key)
    noise = create(
        client, key, service_code="noise", **{"attribute[problem]": None, "attribute[source]": "business"}
    )
    Case.objects.filter(number=lamp).update(status="done", closed_at=timezone.now())

    def numbers(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return sorted(r["service_request_id"] for r in response.json())

    assert numbers(service_code="noise") == [noise]
    assert numbers(service_code="noise,street_lamp") == sorted([lamp, noise])
    assert numbers(status="closed") == [lamp]
    assert numbers(status="open") == [noise]
    assert numbers(status="open,closed") == sorted([lamp, noise])
    now = timezone.now()
    assert numbers(start_date=(now - dt.timedelta(hours=1)).isoformat()) == sorted([lamp, noise])
    assert numbers(end_date=(now - dt.timedelta(hours=1)).isoformat()) == []
    assert numbers(start_date="2010-05-24T00:00:00Z", end_date="2010-06-24T00:00:00Z") == []


def test_service_request_id_overrides_every_other_filter(client, key):
    first = create(client, key)
    second = create(client, key)
    create(client, key)

    response = client.get(
        f"{BASE}/requests.json",
        {"service_request_id": f"{first},{second}", "status": "closed", "start_date": "2010-01-01T00:00:00Z"},
    )

    assert sorted(r["service_request_id"] for r in response.json()) == sorted([first, second])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "2010-01-01T00:00:00Z", "end_date": "2010-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2010-06-01T00:00:00Z", "end_date": "2010-05-01T00:00:00Z"}, "before"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2010-01-01T00:00:00"}, "time zone"),
        ({"status": "pending"}, "status"),
    ],
)
def test_bad_request_filters_are_400(client, place, fmt, params, words):
    assert_error(client.get(f"{BASE}/requests.{fmt}", params), fmt, 400, words)


def test_a_plus_sent_unencoded_in_a_date_is_read_as_plus(client, key):
    create(client, key)
    start = (timezone.localtime() - dt.timedelta(hours=1)).replace(microsecond=0).isoformat()

    response = client.get(f"{BASE}/requests.json?start_date={start}")  # "+08:00" arrives as " 08:00"

    assert response.status_code == 200
    assert len(response.json()) == 1


def test_requests_list_only_location_based_cases_of_the_jurisdiction(client, key, place):
    from linli.accounts.roles import Role
    from linli.accounts.tests.factories import staff_with_role
    from linli.registry.tests.factories import ResidentFactory
    from linli.servicedesk.tests.factories import window_case

    create(client, key)
    worker = staff_with_role(Role.COMMUNITY_WORKER, place.area.parent)
    resident = ResidentFactory(household__building=place, area=place.area)
    window_case(worker, resident)  # an application about a person
    bulk_cases(1, area=area_tree("110105001001001"), prefix="ELSEWHERE")  # a report in another district

    body = client.get(f"{BASE}/requests.json", {"jurisdiction_id": DISTRICT}).json()

    assert [r["service_code"] for r in body] == ["street_lamp"]


# --- GET requests/{id} ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_is_a_one_element_array(client, key, fmt):
    number = create(client, key)

    response = client.get(f"{BASE}/requests/{number}.{fmt}", {"jurisdiction_id": DISTRICT})

    assert response.status_code == 200
    if fmt == "xml":
        root = xml_of(response)
        example = example_xml("11_GET_Service_Request_xml-service-request.xml")
        assert xml_shape(root) == xml_shape(example)
        assert len(root) == 1
        assert root.findtext("request/service_request_id") == number
    else:
        body = json_of(response)
        assert json_shape(body) == json_shape(
            example_json("12_GET_Service_Request_json-service-request.json")
        )
        assert len(body) == 1
        assert body[0]["service_request_id"] == number
        assert body[0]["description"] == "路灯不亮已经三天了"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(client, place, fmt):
    assert_error(client.get(f"{BASE}/requests/20260101999.{fmt}"), fmt, 404, "service_request_id")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_request_id_is_400(client, place, fmt):
    assert_error(client.get(f"{BASE}/requests/.{fmt}"), fmt, 400, "service_request_id was not provided")


def test_an_application_about_a_person_is_not_an_open311_request(client, place):
    from linli.accounts.roles import Role
    from linli.accounts.tests.factories import staff_with_role
    from linli.registry.tests.factories import ResidentFactory
    from linli.servicedesk.tests.factories import window_case

    worker = staff_with_role(Role.COMMUNITY_WORKER, place.area.parent)
    case = window_case(worker, ResidentFactory(household__building=place, area=place.area))

    assert_error(client.get(f"{BASE}/requests/{case.number}.json"), "json", 404)


# --- anything else --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_resource_is_404_in_the_asked_format(client, fmt):
    assert_error(client.get(f"{BASE}/potholes.{fmt}"), fmt, 404, "potholes")


def test_a_format_not_offered_is_400(client):
    assert_error(client.get(f"{BASE}/services.html"), "xml", 400, ".xml or .json")
    assert_error(client.get(f"{BASE}/requests"), "xml", 400)


def test_public_notes_are_status_notes_and_internal_ones_are_not(client, key):
    number = create(client, key)
    case = Case.objects.get(number=number)
    CaseEvent.objects.create(case=case, at=case.submitted_at, action="note", note="内部备注", public=False)

    assert client.get(f"{BASE}/requests/{number}.json").json()[0]["status_notes"] is None


def test_lists_read_a_fixed_number_of_queries(client, place, django_assert_num_queries):
    bulk_cases(50, area=grid())

    # The districts, then the cases with their latest public note as a subquery.
    with django_assert_num_queries(2):
        assert len(client.get(f"{BASE}/requests.json").json()) == 50
    # The districts, the items, their fields, their request types.
    with django_assert_num_queries(4):
        client.get(f"{BASE}/services.xml")
    with django_assert_num_queries(3):
        client.get(f"{BASE}/services/street_lamp.json")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "services"),
        ("get", "services/street_lamp"),
        ("post", "requests"),
        ("get", "requests"),
        ("get", "requests/1"),
        ("get", "tokens/abc"),
    ],
)
def test_a_failure_inside_is_a_general_service_error_400(client, key, fmt, method, path, monkeypatch, caplog):
    from linli.servicedesk.open311 import views

    def broken(jurisdiction_id):
        raise RuntimeError("database went away")

    monkeypatch.setattr(views, "resolve_jurisdiction", broken)

    response = getattr(client, method)(f"{BASE}/{path}.{fmt}", report_form(key) if method == "post" else {})

    assert_error(response, fmt, 400, "could not be processed")
    assert "database went away" not in response.content.decode()
    assert "database went away" in caplog.text


def test_a_report_follows_the_desk_s_routing_rules(client, key):
    # The seeded rule: noise reports about building sites go to urban management, not environment.
    site = create(
        client,
        key,
        service_code="noise",
        description="工地夜间施工",
        **{"attribute[problem]": None, "attribute[source]": "construction"},
    )
    shop = create(
        client,
        key,
        service_code="noise",
        description="商铺音响",
        **{"attribute[problem]": None, "attribute[source]": "business"},
    )

    assert Case.objects.get(number=site).queue.code == "urban_management"
    assert Case.objects.get(number=shop).queue.code == item("noise").queue.code != "urban_management"
