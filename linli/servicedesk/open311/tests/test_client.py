"""Independent Open311 client libraries against a running server: what a city app would see.

- ``civicbot`` (its ``Open311Client``) reads the service list and a definition, checks its request
  against the definition, posts it with an api_key (form-encoded, ``attribute[code][]`` for a list) and
  reads the request back, in JSON.
- ``georeport`` reads the same request in XML and in JSON (it cannot create requests).
"""

import xml.etree.ElementTree as ET

import pytest

from linli.servicedesk.open311.tests.factories import DISTRICT, LAT, LONG, app_key, building, grid

# A running server needs committed data; the catalogue the migrations seed is restored before each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def endpoint(live_server):
    building(grid())
    return f"{live_server.url}/open311/v2"


def civicbot_client(endpoint: str, **options):
    """civicbot's Open311 client for the running server, without its politeness delay between calls."""
    http = pytest.importorskip("civicbot.http")
    open311 = pytest.importorskip("civicbot.open311")
    registry = pytest.importorskip("civicbot.registry")
    return open311.Open311Client(
        registry.Endpoint(id="linli", name="Linli", base_url=endpoint, write=True, **options),
        transport=http.HttpTransport(rate_limiter=http.RateLimiter(min_interval=0)),
        jurisdiction_id=DISTRICT,
    )


def test_civicbot_creates_a_request_and_reads_it_back(endpoint):
    key = app_key()[1]
    client = civicbot_client(endpoint)

    assert "street_lamp" in [s["service_code"] for s in client.list_services()]
    prepared = client.create_request(
        "street_lamp",
        dry_run=False,
        confirm="SEND",
        api_key=key,
        validate_remote=True,  # checks the attributes against GET services/street_lamp.json
        lat=LAT,
        lng=LONG,
        description="路灯不亮",
        attributes={"problem": "flicker"},
        first_name="明月",
        last_name="欧阳",
        email="reporter@example.com",
    )
    number = prepared.response[0]["service_request_id"]

    read = client.get_request(number)
    assert read["service_request_id"] == number
    assert read["service_code"] == "street_lamp"
    assert read["status"] == "open"
    assert read["description"] == "路灯不亮"
    assert number in [r["service_request_id"] for r in client.list_requests(service_code="street_lamp")]
    assert "reporter@example.com" not in str(client.list_requests())


def test_civicbot_is_refused_without_a_key(endpoint):
    client = civicbot_client(endpoint, api_key_required_for_write=False)

    with pytest.raises(pytest.importorskip("civicbot.http").HttpError) as refused:
        client.create_request(
            "street_lamp", dry_run=False, confirm="SEND", lat=LAT, lng=LONG, attributes={"problem": "off"}
        )

    assert refused.value.status == 403


def test_georeport_reads_a_posted_request_in_xml_and_json(endpoint):
    georeport = pytest.importorskip("georeport")
    requests = pytest.importorskip("requests")

    key = app_key()[1]
    xml_client = georeport.GeoReport(endpoint, jurisdiction=DISTRICT, api_key=key, output_format="xml")
    json_client = georeport.GeoReport(endpoint, jurisdiction=DISTRICT, api_key=key)
    definition = xml_client.get_service_definition("street_lamp")
    assert definition["service_code"] == "street_lamp"
    # georeport has no method to create a request: the POST is the spec's form, sent as any app sends it.
    posted = requests.post(
        f"{endpoint}/requests.xml",
        data={
            "api_key": key,
            "jurisdiction_id": DISTRICT,
            "service_code": "street_lamp",
            "lat": LAT,
            "long": LONG,
            "attribute[problem]": "off",
        },
        timeout=10,
    )
    assert posted.status_code == 200

    number = ET.fromstring(posted.content).findtext("request/service_request_id")  # noqa: S314 - ours

    from_xml = xml_client.get_service_request(number)
    assert from_xml["service_request_id"] == number
    assert from_xml["status"] == "open"
    assert json_client.get_service_request(number)["service_request_id"] == number
    assert [s["service_code"] for s in json_client.get_service_list()] == [
        s["service_code"] for s in xml_client.get_service_list()
    ]
