"""A real workspace for the UI tests: the sample brand ingested and drafts rendered by the bundled
model, made once per session and copied for each test (each test decides on its own copy)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.settings import DATA_DIR, Settings
from tests.actors import ADMIN, reviewer
from tests.ui.helpers import BRIEF, REVISED


@pytest.fixture(scope="session")
def ui_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tidewell ingested; two feed posts and two stories rendered, gated and stored by one recorded run;
    post 2 sent back by a reviewer and re-planned (a lineage of two)."""
    from agents.campaign import plan_brief
    from agents.replan import replan
    from pipeline.brand.ingest import ingest_brand
    from pipeline.brand.store import ProfileStore
    from pipeline.gate.drafts import evaluate_drafts
    from pipeline.models import ColourUse, Decision
    from pipeline.render.drafts import render_drafts
    from pipeline.review.store import ReviewStore

    home = tmp_path_factory.mktemp("ui-template")
    settings = Settings(home=home, database_url=None)  # the workspace's own review.db, whatever the environment
    ingested = ingest_brand([DATA_DIR / "brands" / "tidewell" / "guidelines"], "Tidewell", settings, actor=ADMIN)
    assert not ingested.report.errors and ingested.profile is not None, ingested.report.errors
    assert ingested.profile.brand_kit is not None  # the logo and fonts beside the guidelines
    # The colours the sample guidelines give text and the call to action ("use Deep Harbour for all
    # text", Citrus Zest for the one call to action), as the profile extraction reads them.
    use = ColourUse(text="#12304A", cta="#F2B233", cta_form="button")
    ProfileStore(settings).save_extracted(ingested.profile.model_copy(update={"colour_use": use}))
    profile = ProfileStore(settings).profile("Tidewell")
    plan = plan_brief(BRIEF, settings, count=2, channels=["instagram_post", "instagram_story"])
    store = ReviewStore.from_settings(settings)
    store.start_run("template-run", plan.campaign, str(BRIEF), "manual", planned=len(plan.drafts))
    drafts = render_drafts(plan.drafts, settings)
    reports = evaluate_drafts(drafts, profile)
    for draft, report_ in zip(drafts, reports, strict=True):
        # Stored as in review whatever the gate said, so every test starts from the same queue.
        store.add_draft(draft, report_.model_copy(update={"verdict": "review"}), "template-run")
    store.finish_run("template-run", "completed", rendered=len(drafts))
    parent, parent_report = store.plan_of(REVISED)
    store.decide(
        Decision(draft_id=REVISED, action="request_changes", reviewer="sam", note="warmer light"), actor=reviewer("sam")
    )
    child = replan(parent, parent_report, profile, note="warmer light")
    redrawn = render_drafts([child], settings)
    store.add_draft(redrawn[0], evaluate_drafts(redrawn, profile)[0].model_copy(update={"verdict": "review"}))
    return home


@pytest.fixture
def ui_home(ui_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """This test's own copy of the template workspace, as the UI's ONBRAND_HOME. Work the test queued
    (a run, a revision) finishes before the workspace goes."""
    from ui.jobs import shared_queue

    home = tmp_path / "ws"
    shutil.copytree(ui_template, home)
    monkeypatch.setenv("ONBRAND_HOME", str(home))
    monkeypatch.delenv("ONBRAND_DATABASE_URL", raising=False)
    yield Settings(home=home)
    shared_queue().wait_idle(timeout=600)
