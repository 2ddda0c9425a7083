"""The Campaigns page (AppTest): briefs validated with clear errors, uploads and folders, a run started
from the page and recorded, and the schedules `onbrand serve` would register."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from tests.ui.helpers import app_test

pytestmark = pytest.mark.integration

GOOD = {
    "campaign": "autumn-harbour",
    "brand": "Tidewell",
    "product": "Citrus & Sea Fennel, 330 ml can",
    "channels": ["instagram_post"],
    "drafts_per_channel": 1,
}


def _texts(elements: object) -> str:
    return " ".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def _campaigns(at: object) -> object:
    at.switch_page("views/campaigns.py").run()  # type: ignore[attr-defined]
    assert not at.exception, at.exception  # type: ignore[attr-defined]
    return at


def test_briefs_are_listed_validated_and_uploaded(ui_home: Settings) -> None:
    at = _campaigns(app_test().run())
    markdown = _texts(at.markdown)
    for name in ("spring-citrus-launch", "summer-table-bottles", "workplace-fridge-b2b"):
        assert name in markdown
    bad = yaml.safe_dump({**GOOD, "channels": ["instagram_pst"]}).encode()
    at.file_uploader(key="brief_upload").set_value(("../../my brief.yaml", bad, "application/x-yaml")).run()
    error = _texts(at.error)
    assert "my-brief.yaml: 'channels' lists 'instagram_pst' (did you mean 'instagram_post'?)" in error
    assert "/tmp" not in error and ".." not in error  # the upload's name, never a server path
    at.file_uploader(key="brief_upload").set_value(("latin1.yaml", "campaign: caf\xe9".encode("latin-1"), "text/yaml"))
    at.run()
    assert "latin1.yaml: not UTF-8 text" in _texts(at.error)
    at.file_uploader(key="brief_upload").set_value(("autumn.yaml", yaml.safe_dump(GOOD).encode(), "text/yaml")).run()
    assert "autumn.yaml is a valid brief" in _texts(at.success)
    at.button(key="save_brief").click().run()
    saved = ui_home.home / "briefs" / "autumn-harbour.yaml"
    assert yaml.safe_load(saved.read_text()) == GOOD
    at.file_uploader(key="brief_upload").set_value(None).run()
    assert "autumn-harbour" in _texts(at.markdown) and "workspace" in _texts(at.markdown)


def test_briefs_from_a_folder_are_checked_before_they_are_added(ui_home: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "good.yaml").write_text(yaml.safe_dump(GOOD))
    (folder / "bad.yml").write_text(yaml.safe_dump({**GOOD, "schedule": "every monday"}))
    at = _campaigns(app_test().run())
    at.text_input(key="brief_folder").input(str(folder)).run()
    assert "'schedule': Value error, 'every monday' is not a 5-field cron expression" in _texts(at.error)
    at.button(key="add-good.yaml").click().run()
    assert (ui_home.home / "briefs" / "autumn-harbour.yaml").is_file()
    at.text_input(key="brief_folder").input(str(tmp_path / "nowhere")).run()
    assert "no such folder" in _texts(at.error)


def test_schedules_show_what_onbrand_serve_registers(ui_home: Settings) -> None:
    at = _campaigns(app_test().run())
    table = at.dataframe[-1].value
    row = table[table["Brief"] == "spring-citrus-launch"].iloc[0]
    assert row["Cron"] == "0 9 * * 1" and row["When (UTC)"] == "At 09:00 on Monday"
    assert row["Next run"].weekday() == 0 and row["Next run"].hour == 9


@pytest.mark.slow
def test_run_now_queues_the_campaign_flow_and_the_run_is_recorded(ui_home: Settings) -> None:
    from ui.jobs import shared_queue

    at = _campaigns(app_test("maya").run())
    at.selectbox(key="run_brief").set_value("summer-table-bottles").run()
    at.multiselect(key="run_channels-summer-table-bottles").set_value(["instagram_post"])
    at.number_input(key="run_count-summer-table-bottles").set_value(1)
    at.number_input(key="run_replans").set_value(0)
    at.button(key="run_now").click().run()
    assert "Queued summer-table-bottles: 1 channel(s) × 1" in _texts(at.toast)
    job = next(j for j in shared_queue().jobs() if j.campaign == "summer-table-bottles")
    done = shared_queue().wait(job.id, timeout=600)
    assert done.status == "done", done.error
    store = ReviewStore.from_settings(ui_home)
    run = next(r for r in store.runs(campaign="summer-table-bottles"))
    assert (run.trigger, run.status, run.planned) == ("ui", "completed", 1)
    drafts = store.list_drafts(campaign="summer-table-bottles")
    assert [d.id for d in drafts] == ["summer-table-bottles-instagram_post-1"] and drafts[0].run_id == run.id
    at.run()
    runs = at.dataframe[0].value
    assert list(runs["Trigger"][:1]) == ["ui"] and list(runs["Status"][:1]) == ["✅ completed"]
    assert "done" in _texts(at.markdown)  # the queue's history
