"""End to end in a real browser: `onbrand ui` serves the app, Chromium (driven by Playwright) signs in
and approves a draft by clicking, and the review store changes. Screenshots of each page are kept
under tests/ui/artifacts/ (or $ONBRAND_UI_ARTIFACTS) for people to look at."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from tests.ui.helpers import CHILD, REPO, STORIES, add_users

pytestmark = pytest.mark.slow

ARTIFACTS = Path(os.environ.get("ONBRAND_UI_ARTIFACTS") or REPO / "tests" / "ui" / "artifacts")


def chromium() -> str:
    """Debian's chromium (Playwright cannot download browsers here); CI must have it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs it with: apt-get install -y chromium")
    pytest.skip("chromium is not installed (apt-get install -y chromium); CI runs this test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200 and response.read().strip() == b"ok")
    except OSError:
        return False


@pytest.fixture
def served(ui_home: Settings, tmp_path: Path) -> Iterator[str]:
    """`onbrand ui --port P` on the test's workspace, with a users file; the URL once it is healthy."""
    add_users(ui_home)
    port = _free_port()
    script = Path(sys.executable).with_name("onbrand")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "pipeline.cli"]
    log = (tmp_path / "ui.log").open("w")
    server = subprocess.Popen(
        [*command, "ui", "--port", str(port)],
        env={**os.environ, "ONBRAND_HOME": str(ui_home.home)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"onbrand ui did not come up: {(tmp_path / 'ui.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_a_reviewer_signs_in_and_approves_a_draft_by_clicking(served: str, ui_home: Settings) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    store = ReviewStore.from_settings(ui_home)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium())
        page = browser.new_page(viewport={"width": 1440, "height": 1500})
        page.set_default_timeout(90_000)

        def shoot(name: str) -> None:
            page.wait_for_timeout(1500)  # images and fonts settle
            page.screenshot(path=str(ARTIFACTS / name))
            print(f"screenshot: {ARTIFACTS / name}")

        page.goto(served)
        expect(page.get_by_text("Sign in to review")).to_be_visible()
        shoot("login.png")
        page.get_by_label("User name").fill("maya")
        page.get_by_label("Password", exact=True).fill("maya-password")
        page.get_by_role("button", name="Sign in").click()
        card = page.locator(f".st-key-card-{STORIES[0]}")
        expect(card).to_be_visible()
        shoot("review.png")
        card.get_by_role("button", name="Approve").click()
        expect(page.get_by_text(f"Approved {STORIES[0]} (by maya)")).to_be_visible()
        decided = store.get(STORIES[0])
        assert decided.status == "approved"
        assert store.history(STORIES[0])[-1].reviewer == "maya"
        expect(card).to_have_count(0)  # it left the queue
        shoot("review-after-approve.png")

        page.locator(f".st-key-card-{CHILD}").get_by_role("button", name="Open").click()
        expect(page.get_by_text("Your decision")).to_be_visible()
        page.get_by_text("Show layout boxes").click()
        expect(page.get_by_text("ControlNet condition", exact=False)).to_be_visible()
        shoot("detail.png")
        page.get_by_role("button", name="All drafts").click()

        for title, name in (("Campaigns", "campaigns.png"), ("Brand", "brand.png"), ("Exports", "exports.png")):
            page.get_by_role("link", name=title).click()
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
            shoot(name)
        browser.close()
    assert (ARTIFACTS / "review-after-approve.png").stat().st_size > 10_000
