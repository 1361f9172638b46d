"""Browser tests: the real pages in headless Chromium (Debian's `chromium`, driven by
Playwright for Python on the system browser; nothing is downloaded).

`TICKETFLOWER_SKIP_BROWSER=1` skips them locally. Without that flag a missing browser
is a failure, never a silent skip: CI must run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = (
    os.environ.get("TICKETFLOWER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
# Desktop, and a phone's width: every page is tried at both.
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = Path(os.environ.get("TICKETFLOWER_SCREENSHOTS", "/tmp/ticketflower-screenshots"))

# Playwright's sync API runs an event loop in this thread; Django's ORM then refuses to
# run here ("async context") although every call is synchronous. The test's own ORM use
# is, so it is allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("TICKETFLOWER_SKIP_BROWSER") == "1":
        skip = pytest.mark.skip(reason="TICKETFLOWER_SKIP_BROWSER=1")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def chromium() -> Iterator:
    """A headless Chromium (the system's; fails if it is missing), for one test.

    Per test, not per session: while Playwright runs, its event loop is current in this
    thread and Django keeps the ORM's connections apart from the thread's own; stopping it
    before the test's other fixtures end (a company's deletion, the database's) keeps
    their queries on the connection they started with.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
            "or set TICKETFLOWER_SKIP_BROWSER=1 to skip the browser tests locally"
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()
        # The connections the test's own queries opened while the loop ran.
        connections.close_all()


class Page:
    """A browser tab that records console errors and uncaught page errors."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {message.location}")

    def shot(self, what: str) -> Path:
        """A full-page screenshot, kept for people to look at."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(params=list(VIEWPORTS))
def tab(request, chromium) -> Iterator[Page]:
    """A fresh browser context at desktop and at phone width; no console errors allowed."""
    context = chromium.new_context(viewport=VIEWPORTS[request.param])
    page = Page(context.new_page(), f"{request.node.originalname}-{request.param}")
    yield page
    context.close()
    assert page.errors == [], "\n".join(page.errors)
