"""What the browser tests share besides fixtures: viewports, Chromium's flags, screenshots, logging in."""

import base64
import os
import re
from pathlib import Path
from urllib.parse import unquote

from django_otp.oath import totp
from playwright.sync_api import Page, ViewportSize, expect

from linli.accounts.models import User
from linli.accounts.tests.factories import PASSWORD
from linli.core.models import Notification

PHONE = ViewportSize(width=390, height=844)
PC = ViewportSize(width=1280, height=900)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> Path:
    return Path(os.environ.get("LINLI_CHROMIUM") or "/usr/bin/chromium")


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.png"
    page.screenshot(path=path, full_page=True)
    return path


def submit(page: Page) -> None:
    """Click the submit button of the form in the page's main part; there must be exactly one."""
    page.locator("main form button[type=submit]").click()


def current_totp(secret: str) -> str:
    """The code an authenticator app shows now for the key the set-up page displays."""
    secret = unquote(secret).strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def newest_login_code(*, sent_before: int) -> str:
    """The code in the newest login message, after checking that exactly one was sent since `sent_before`."""
    messages = Notification.objects.filter(purpose="login_code")
    assert messages.count() == sent_before + 1
    body = messages.order_by("-created_at", "-id")[0].body
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", body)
    assert match, body
    return match.group(1)


def log_in_as_resident(page: Page, base_url: str, phone: str) -> None:
    """Log in by phone number and the SMS code, read from the outbox; ends on the resident's own page."""
    page.goto(base_url + "/")
    page.get_by_test_id("resident-login").click()
    page.locator("#id_phone").fill(phone)
    sent_before = Notification.objects.filter(purpose="login_code").count()
    submit(page)
    expect(page).to_have_url(re.compile(r"/accounts/resident/code/$"))
    page.locator("#id_code").fill(newest_login_code(sent_before=sent_before))
    submit(page)
    expect(page).to_have_url(re.compile(r"/me/$"))


def log_in_as_staff(page: Page, base_url: str, user: User) -> None:
    """Log in with the password, then set up a new authenticator from the key on the page; ends on home."""
    page.goto(base_url + "/")
    page.get_by_test_id("staff-login").click()
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    submit(page)
    expect(page).to_have_url(re.compile(r"/accounts/login/totp/setup/$"))
    page.locator("#id_token").fill(current_totp(page.get_by_test_id("totp-secret").inner_text()))
    submit(page)
    expect(page).to_have_url(base_url + "/")
