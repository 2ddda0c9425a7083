"""End to end in a real browser: `onbrand ui` serves the app, Chromium (driven by Playwright) signs in
and approves a draft by clicking, and the review store changes. Screenshots of each page are kept
under tests/ui/artifacts/ (or $ONBRAND_UI_ARTIFACTS) for people to look at.

The second test is issue 19's: a reviewer signs in, reloads and is still signed in (a new tab and a
shared link too; a forged cookie signs nobody in), approves, requests changes with a colour-and-side
note (the revision's prompt and layout follow it), and exports (the headline's pixels are the brand's
text colour); then a viewer finds that chat, Campaigns and Exports change nothing. The time of each
step is printed and written to timings.json beside the screenshots."""

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

from pipeline.models import BrandProfile
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
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=["--no-sandbox"])
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


def _sign_in(page: object, user: str, password: str) -> None:
    page.get_by_label("User name").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def test_a_trusted_session_revision_and_export_then_a_viewer_changes_nothing(served: str, ui_home: Settings) -> None:
    import json
    import re

    import numpy as np
    from PIL import Image
    from playwright.sync_api import expect, sync_playwright

    from pipeline.colour import hex_to_rgb
    from tests.ui.helpers import POSTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    store = ReviewStore.from_settings(ui_home)
    timings: dict[str, float] = {}

    def timed(name: str, start: float) -> None:
        timings[name] = round(time.monotonic() - start, 2)
        print(f"{name}: {timings[name]:.2f} s")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1440, "height": 1500})
        page = context.new_page()
        page.set_default_timeout(120_000)

        # a forged cookie: one clear message, nobody signed in
        context.add_cookies([{"name": "onbrand_session", "value": "eyJ1IjoibWF5YSJ9.forged.sig", "url": served}])
        start = time.monotonic()
        page.goto(served)
        expect(page.get_by_text("Sign in to review")).to_be_visible()
        timed("page load: sign-in page", start)
        expect(page.get_by_text("not valid here", exact=False)).to_be_visible()
        assert not store.sign_ins()

        # sign in, reload, a new tab, a shared link: still signed in
        start = time.monotonic()
        _sign_in(page, "maya", "maya-password")
        card = page.locator(f".st-key-card-{STORIES[0]}")
        expect(card).to_be_visible()
        timed("page load: sign in to gallery", start)
        page.wait_for_timeout(1500)  # the session cookie is set by the page
        assert any(c["name"] == "onbrand_session" for c in context.cookies())
        start = time.monotonic()
        page.reload()
        expect(card).to_be_visible()
        timed("page load: reload, still signed in", start)
        assert page.get_by_text("Sign in to review").count() == 0
        tab = context.new_page()
        start = time.monotonic()
        tab.goto(f"{served}/?draft={STORIES[1]}")
        expect(tab.get_by_text("Your decision")).to_be_visible()
        timed("page load: shared ?draft= link in a new tab", start)
        tab.close()

        # approve
        start = time.monotonic()
        card.get_by_role("button", name="Approve").click()
        expect(page.get_by_text(f"Approved {STORIES[0]} (by maya)")).to_be_visible()
        timed("approve", start)
        assert store.get(STORIES[0]).status == "approved"

        # request changes with a colour-and-side note, until the revision is in review
        page.locator(f".st-key-card-{POSTS[0]}").get_by_role("button", name="Open").click()
        expect(page.get_by_text("Your decision")).to_be_visible()
        page.get_by_label("What should change?").fill("Deep Harbour backdrop, the can on the left")
        start = time.monotonic()
        page.get_by_role("button", name="Request changes").click()
        deadline = time.monotonic() + 120  # the decision is stored (its toast may fade before it is seen)
        while store.get(POSTS[0]).status != "changes_requested" and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert store.get(POSTS[0]).status == "changes_requested"
        # the page goes straight on to the next draft waiting; the draft's own link shows its revision
        page.goto(f"{served}/?draft={POSTS[0]}")
        revised_id = f"{POSTS[0]}-r1"
        expect(page.get_by_text(f"Revised as {revised_id}", exact=False)).to_be_visible(timeout=300_000)
        timed("request changes until the revision is in review", start)
        revised = store.get(revised_id)
        assert revised.status in ("in_review", "rejected_by_gate")
        plan, parent = store.detail(revised_id).plan, store.detail(POSTS[0]).plan
        assert re.search(r"on a black (backdrop|background|surface|wall)", plan.prompt), plan.prompt
        assert plan.layout.template == "thirds_left" != parent.layout.template
        product = plan.layout.boxes_with_role("product")[0]
        assert (product.x0 + product.x1) / 2 < 0.5  # the can is on the left
        assert {c.aspect for c in plan.changes} == {"background", "product_side"}
        shoot_page(page, "revision.png")

        # export, and the headline's pixels are the brand's text colour
        page.get_by_role("link", name="Exports").click()
        expect(page.get_by_role("heading", name="Exports", exact=True)).to_be_visible()
        start = time.monotonic()
        page.get_by_role("button", name="Export as zip").click()
        expect(page.get_by_role("button", name="Download zip")).to_be_visible()
        timed("export", start)
        shoot_page(page, "exports-done.png")
        manifest = json.loads(next((ui_home.home / "exports").rglob("manifest.json")).read_text())
        exported = next(f for f in manifest["files"] if f["draft_id"] == STORIES[0])
        text_colour = tidewell(ui_home).colour_use.text
        assert text_colour == "#12304A"
        assert exported["text_colour"]["headline"]["hex"] == text_colour, exported["text_colour"]
        assert exported["logo"] == "logo.png" and exported["cta_form"] == "button"
        with Image.open(exported["path"]) as png:
            meta = json.loads(png.info["onbrand"])
            box = next(b for b in meta["boxes"] if b["role"] == "headline")
            w, h = png.size
            crop = png.convert("RGB").crop((box["x0"] * w, box["y0"] * h, box["x1"] * w, box["y1"] * h))
        pixels = np.asarray(crop, dtype=np.int16).reshape(-1, 3)
        close = (np.abs(pixels - np.array(hex_to_rgb(text_colour))).max(axis=1) <= 10).mean()
        assert close > 0.01, f"only {close:.2%} of the headline box is {text_colour}"
        assert (np.abs(pixels).max(axis=1) <= 20).mean() < 0.001  # no near-black text
        timings["headline pixels in the text colour (share of the box)"] = round(float(close), 4)

        # sign out; a viewer signs in and changes nothing
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("Sign in to review")).to_be_visible()
        runs, decisions = len(store.runs(limit=1000)), sum(len(store.history(d.id)) for d in store.list_drafts())
        _sign_in(page, "vic", "vic-password")
        expect(page.get_by_role("heading", name="Exports", exact=True)).to_be_visible()  # where the page was
        page.get_by_role("link", name="Review").click()
        expect(page.locator(f".st-key-card-{STORIES[1]}")).to_be_visible()
        assert page.get_by_role("button", name="Approve", exact=True).count() == 0  # not "Approved · 1"
        page.get_by_role("link", name="Chat").click()
        page.get_by_placeholder("Ask onbrand…").fill("make two story drafts for the spring brief")
        page.keyboard.press("Enter")
        expect(page.get_by_text("needs the reviewer role", exact=False).filter(visible=True).first).to_be_visible()
        page.get_by_role("link", name="Campaigns").click()
        expect(page.get_by_role("heading", name="Campaigns", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Run now")).to_be_disabled()
        page.get_by_role("link", name="Exports").click()
        expect(page.get_by_role("heading", name="Exports", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Export as zip")).to_be_disabled()
        shoot_page(page, "viewer-exports.png")
        assert len(store.runs(limit=1000)) == runs
        assert sum(len(store.history(d.id)) for d in store.list_drafts()) == decisions

        # a shared link to a page survives sign-in
        fresh = browser.new_context(viewport={"width": 1440, "height": 1200}).new_page()
        fresh.goto(f"{served}/exports")
        expect(fresh.get_by_text("Sign in to review")).to_be_visible()
        _sign_in(fresh, "maya", "maya-password")
        expect(fresh.get_by_role("heading", name="Exports", exact=True)).to_be_visible()
        browser.close()
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")


def tidewell(settings: Settings) -> BrandProfile:
    from pipeline.brand.store import ProfileStore

    return ProfileStore(settings).profile("Tidewell")


def shoot_page(page: object, name: str) -> None:
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / name))  # type: ignore[attr-defined]
