"""What the browser tests share besides fixtures: viewports, Chromium's flags, screenshots."""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, ViewportSize

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
