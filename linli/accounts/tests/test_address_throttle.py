"""One network address guessing across many accounts or phones is stopped, not only one account at a time."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.accounts.roles import Role
from linli.accounts.tests.factories import PASSWORD, staff_with_role

THROTTLED = _("Too many failed attempts. Please try again in %(minutes)d minutes.") % {"minutes": 15}


def client_at(address: str, forwarded: str = "") -> Client:
    if forwarded:
        return Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=forwarded)
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.fixture
def limits(settings):
    settings.LINLI_LOGIN_MAX_FAILURES = 5
    settings.LINLI_LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    settings.LINLI_LOGIN_LOCK_MINUTES = 15


def test_guessing_across_many_accounts_locks_the_address_and_not_the_others(limits, community_a):
    worker = staff_with_role(Role.COMMUNITY_WORKER, community_a)
    sprayer = client_at("203.0.113.7")
    for n in range(4):  # one wrong guess on each of four accounts: under every per-account limit
        answer = log_in(sprayer, f"someone-{n}", "wrong-password")
        assert answer.status_code == 200 and THROTTLED not in answer.content.decode()
    # Now even the right password from that address is refused; the account itself is not locked.
    refused = log_in(sprayer, worker.username)
    assert refused.status_code == 200 and THROTTLED in refused.content.decode()
    welcome = log_in(client_at("198.51.100.20"), worker.username)
    assert welcome.status_code == 302 and welcome["Location"] == reverse("accounts:totp_setup")


def test_a_good_login_does_not_wipe_the_addresss_failures(limits, community_a):
    worker = staff_with_role(Role.COMMUNITY_WORKER, community_a)
    client = client_at("203.0.113.8")
    for n in range(3):
        log_in(client, f"someone-{n}", "wrong-password")
    assert log_in(client, worker.username).status_code == 302  # the password step passes
    log_in(client, "someone-9", "wrong-password")
    assert THROTTLED in log_in(client, worker.username).content.decode()


def test_resident_code_requests_and_wrong_codes_count_against_the_address(limits, db):
    client = client_at("203.0.113.9")
    for n in range(3):
        assert client.post(reverse("accounts:resident_login"), {"phone": f"1380000000{n}"}).status_code == 302
    wrong = client.post(reverse("accounts:resident_code"), {"code": "000000"})
    assert wrong.status_code == 200 and THROTTLED not in wrong.content.decode()
    # Four steps used: the next code request from this address sends no SMS.
    refused = client.post(reverse("accounts:resident_login"), {"phone": "13800000009"})
    assert refused.status_code == 200 and THROTTLED in refused.content.decode()
    other = client_at("198.51.100.21").post(reverse("accounts:resident_login"), {"phone": "13800000009"})
    assert other.status_code == 302


def test_a_forwarded_for_header_counts_only_behind_a_configured_proxy(limits, settings, community_a):
    worker = staff_with_role(Role.COMMUNITY_WORKER, community_a)
    # No proxy configured: a client rotating the header is still one address.
    for n in range(4):
        log_in(client_at("203.0.113.10", forwarded=f"192.0.2.{n}"), f"someone-{n}", "wrong-password")
    refused = log_in(client_at("203.0.113.10", forwarded="192.0.2.99"), worker.username)
    assert THROTTLED in refused.content.decode()
    # Behind one proxy, the address it saw is the client's: the clients behind it count apart, and what a
    # client wrote to the left of it is ignored.
    settings.LINLI_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(4):
        log_in(client_at(proxy, forwarded=f"6.6.6.{n}, 192.0.2.50"), f"someone-{n}", "wrong-password")
    blocked = log_in(client_at(proxy, forwarded="7.7.7.7, 192.0.2.50"), worker.username)
    assert THROTTLED in blocked.content.decode()
    neighbour = log_in(client_at(proxy, forwarded="192.0.2.51"), worker.username)
    assert neighbour.status_code == 302
