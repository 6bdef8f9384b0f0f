import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.accounts.models import User, UserKind
from linli.accounts.roles import Role
from linli.accounts.services import request_login_code, verify_login_code
from linli.accounts.tests.factories import PASSWORD, staff_with_role
from linli.core.errors import DomainError
from linli.core.models import LocalSmsMessage, Notification


def current_token(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def login_form(client, user, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": password})


@pytest.fixture(autouse=True)
def no_totp_backoff(settings):
    # django-otp also backs off after a wrong code (1 s, 2 s, ...); these tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def worker(community_a):
    return staff_with_role(Role.COMMUNITY_WORKER, community_a)


def test_staff_without_a_device_must_enrol_totp_before_entering(client, worker):
    response = login_form(client, worker)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:totp_setup")
    # Not logged in yet: the password alone opens nothing.
    assert client.get(reverse("registry:search")).status_code == 302

    page = client.get(reverse("accounts:totp_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=worker, confirmed=False)
    assert client.post(reverse("accounts:totp_setup"), {"token": "000000"}).status_code == 200

    done = client.post(reverse("accounts:totp_setup"), {"token": current_token(device)})

    assert done.status_code == 302
    assert client.get(reverse("registry:search")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_staff_with_a_device_logs_in_with_password_then_code(client, worker):
    device = TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)

    assert login_form(client, worker)["Location"] == reverse("accounts:totp")
    wrong = client.post(
        reverse("accounts:totp"), {"token": "123456" if current_token(device) != "123456" else "654321"}
    )
    assert wrong.status_code == 200 and client.get(reverse("registry:search")).status_code == 302
    right = client.post(reverse("accounts:totp"), {"token": current_token(device)})

    assert right.status_code == 302
    assert client.get(reverse("registry:search")).status_code == 200


def test_demo_accounts_skip_totp_only_when_the_setting_allows(client, worker, settings):
    worker.is_demo = True
    worker.save(update_fields=["is_demo"])

    settings.LINLI_ALLOW_DEMO_TOTP_SKIP = False
    assert login_form(client, worker)["Location"] == reverse("accounts:totp_setup")

    settings.LINLI_ALLOW_DEMO_TOTP_SKIP = True
    assert login_form(client, worker)["Location"] == reverse("home")
    assert client.get(reverse("registry:search")).status_code == 200


def test_a_session_without_the_second_factor_is_sent_back_to_login(client, worker):
    client.force_login(worker)

    assert client.get(reverse("registry:search")).status_code == 302


def test_failed_passwords_lock_the_account_for_a_while(client, worker, settings):
    settings.LINLI_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert login_form(client, worker, password="wrong-password").status_code == 200

    locked = login_form(client, worker)

    assert locked.status_code == 200
    assert "accounts:totp" not in str(locked.get("Location", ""))
    assert locked.context["form"].non_field_errors()


def test_parallel_guesses_cannot_all_slip_under_the_limit(worker, settings):
    from linli.accounts.models import LoginAttempt
    from linli.accounts.services import register_login_attempt

    settings.LINLI_LOGIN_MAX_FAILURES = 2
    # Attempts already recorded by other requests still in flight count against this one.
    register_login_attempt(kind="staff", identifier=worker.username)
    register_login_attempt(kind="staff", identifier=worker.username)

    with pytest.raises(DomainError):
        register_login_attempt(kind="staff", identifier=worker.username)
    assert LoginAttempt.objects.count() == 3


def test_knowing_the_password_does_not_reset_the_count_for_totp_guesses(client, worker, settings):
    settings.LINLI_LOGIN_MAX_FAILURES = 4
    device = TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)
    wrong = "123456" if current_token(device) != "123456" else "654321"
    for _ in range(2):
        login_form(client, worker)
        client.post(reverse("accounts:totp"), {"token": wrong})

    refused = client.post(reverse("accounts:totp"), {"token": current_token(device)})

    assert refused.status_code == 200
    assert client.get(reverse("registry:search")).status_code == 302


def test_residents_cannot_use_the_staff_login(client, db):
    resident = User.objects.create(username="r", kind=UserKind.RESIDENT)
    resident.set_password(PASSWORD)
    resident.save()

    assert login_form(client, resident).status_code == 200


# --- residents: phone and one-time code -------------------------------------------------------------


def sent_code() -> str:
    body = Notification.objects.filter(purpose="login_code").latest("created_at").body
    match = re.search(r"\b(\d{6})\b", body)
    assert match
    return match.group(1)


def test_resident_logs_in_with_a_code_sent_by_sms(client, db):
    response = client.post(reverse("accounts:resident_login"), {"phone": "138 1234 5678"})
    assert response.status_code == 302
    assert "13812345678" not in str(dict(client.session)) and "138 1234" not in str(dict(client.session))

    done = client.post(reverse("accounts:resident_code"), {"code": sent_code()})

    assert done.status_code == 302
    user = User.objects.get(kind=UserKind.RESIDENT)
    assert user.phone == "13812345678"
    assert client.get(reverse("registry:me")).status_code == 200


def test_the_code_reaches_the_local_sms_gateway_through_the_outbox(db):
    from linli.core.services import deliver_notification

    request_login_code(phone="13812345678")
    deliver_notification(notification_id=Notification.objects.get().pk)

    message = LocalSmsMessage.objects.get()
    assert message.phone == "13812345678" and sent_code() in message.body


def test_a_code_works_once(db):
    login_code = request_login_code(phone="13812345678")
    code = sent_code()
    verify_login_code(login_code_id=login_code.id, code=code)

    with pytest.raises(DomainError) as caught:
        verify_login_code(login_code_id=login_code.id, code=code)
    assert caught.value.code == "bad_code"


def test_a_new_code_replaces_the_one_before(db, settings):
    settings.LINLI_LOGIN_CODE_RESEND_SECONDS = 0
    first = request_login_code(phone="13812345678")
    first_code = sent_code()
    request_login_code(phone="13812345678")

    with pytest.raises(DomainError):
        verify_login_code(login_code_id=first.id, code=first_code)


def test_an_expired_code_is_refused(db, settings):
    settings.LINLI_LOGIN_CODE_TTL_SECONDS = 0
    login_code = request_login_code(phone="13812345678")

    with pytest.raises(DomainError):
        verify_login_code(login_code_id=login_code.id, code=sent_code())


def test_codes_are_not_resent_within_a_minute(db):
    request_login_code(phone="13812345678")

    with pytest.raises(DomainError) as caught:
        request_login_code(phone="13812345678")
    assert caught.value.code == "code_recently_sent"


def test_wrong_codes_lock_the_phone(db, settings):
    settings.LINLI_LOGIN_MAX_FAILURES = 3
    login_code = request_login_code(phone="13812345678")
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        with pytest.raises(DomainError):
            verify_login_code(login_code_id=login_code.id, code=wrong)

    with pytest.raises(DomainError) as caught:
        verify_login_code(login_code_id=login_code.id, code=right)
    assert caught.value.code == "login_throttled"


def test_a_bad_phone_number_gets_a_clear_message(client, db):
    from django.utils import translation

    with translation.override("zh-hans"):
        response = client.post(
            reverse("accounts:resident_login"), {"phone": "12345"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

    assert response.status_code == 200
    assert "11" in str(response.context["form"].errors["phone"])


def test_elder_mode_stays_on_for_the_account(client, db):
    user = User.objects.create(username="r3", kind=UserKind.RESIDENT)
    client.force_login(user)

    client.post(reverse("accounts:elder_mode"), {"enabled": "1", "next": "/me/"})

    user.refresh_from_db()
    assert user.elder_mode is True
    assert b'class="elder"' in client.get(reverse("registry:me")).content
