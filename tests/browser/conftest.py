"""Real-browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The browser is never downloaded: it is the system's Chromium (`LINLI_CHROMIUM`, else /usr/bin/chromium).
Where it is missing the tests skip, except on CI or when `LINLI_CHROMIUM` names it, where they fail.
"""

import os
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from tests.browser.support import CHROMIUM_ARGS, chromium_executable, save_screenshot


@pytest.fixture
def _chromium() -> Path:
    executable = chromium_executable()
    if not os.access(executable, os.X_OK):
        message = (
            f"Chromium not found at {executable}: install Debian's package (apt-get install chromium) "
            "or set LINLI_CHROMIUM to its path."
        )
        if os.environ.get("CI") or os.environ.get("LINLI_CHROMIUM"):
            pytest.fail(message)
        pytest.skip(message)
    return executable


@pytest.fixture
def _orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an asyncio loop in this thread, so Django would refuse the ORM calls
    # the tests make between browser steps; the server itself runs in its own thread, without a loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def _playwright(_chromium: Path, _orm_beside_playwright: None) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright
        # While the loop runs, Django keeps this thread's connections apart from the ones it has outside it,
        # so the test database's teardown would not see them; left open, PostgreSQL refuses to drop it.
        connections.close_all()


@pytest.fixture
def open_browser(
    request: pytest.FixtureRequest, _playwright: Playwright, _chromium: Path
) -> Iterator[Callable[[ViewportSize], Page]]:
    """Open a page in a fresh Chromium profile; browser errors and missing static files fail the test."""
    contexts: list[tuple[BrowserContext, Page, list[str], str]] = []

    def open_page(viewport: ViewportSize) -> Page:
        profile = tempfile.mkdtemp(prefix="linli-chromium-")
        context = _playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(_chromium),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=viewport,
            # What a browser in mainland China sends; the server picks the language from it.
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(15_000)
        page = context.pages[0] if context.pages else context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "response",
            lambda response: (
                problems.append(f"{response.status} for {response.url}")
                if "/static/" in response.url and response.status >= 400
                else None
            ),
        )
        contexts.append((context, page, problems, profile))
        return page

    yield open_page

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems_seen: list[str] = []
    for number, (context, page, problems, profile) in enumerate(contexts):
        if failed:
            save_screenshot(page, f"failed-{request.node.name}-{number}")
        problems_seen += problems
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
    assert not problems_seen, "the browser reported problems: " + "; ".join(problems_seen)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Kept on the item so that the browser fixture can save a screenshot of a failed test.
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
