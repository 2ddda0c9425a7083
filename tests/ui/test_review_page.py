"""The Review page (AppTest) on a real workspace: the gallery, filters, the detail view, and every
kind of decision, each checked in the review store."""

from __future__ import annotations

import pytest

from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from tests.actors import reviewer
from tests.ui.helpers import CHILD, IN_REVIEW, POSTS, REVISED, STORIES, app_test

pytestmark = pytest.mark.integration


def _cards(at: object) -> set[str]:
    return {str(b.key).removeprefix("open-") for b in at.button if str(b.key).startswith("open-")}  # type: ignore[attr-defined]


def _texts(elements: object) -> str:
    return " ".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def test_gallery_shows_the_drafts_waiting_with_verdicts_scores_and_reasons(ui_home: Settings) -> None:
    at = app_test().run()
    assert not at.exception
    assert _cards(at) == set(IN_REVIEW)  # the queue: what waits for a decision
    markdown = _texts(at.markdown)
    assert ":blue-badge[In review]" in markdown
    assert "Needs a look" in markdown and "palette" in markdown and "layout" in markdown
    assert "re-plan 1" in markdown  # the re-planned draft says so on its card
    assert {f"approve-{i}" for i in IN_REVIEW} <= {b.key for b in at.button}
    assert [m.value for m in at.metric][:2] == ["4", "0"]  # in review, approved


def test_filters_by_status_channel_verdict_and_flagged_check(ui_home: Settings) -> None:
    at = app_test().run()
    at.multiselect(key="f_channel").set_value(["instagram_story"]).run()
    assert _cards(at) == set(STORIES)
    at.multiselect(key="f_channel").set_value([]).run()
    at.pills(key="f_status").set_value(["changes_requested"]).run()
    assert _cards(at) == {REVISED}
    at.pills(key="f_status").set_value([]).run()
    assert _cards(at) == {*IN_REVIEW, REVISED}
    at.pills(key="f_verdict").set_value(["reject"]).run()
    assert _cards(at) == set()
    assert "No drafts match these filters" in _texts(at.info)
    at.pills(key="f_verdict").set_value([]).run()
    store = ReviewStore.from_settings(ui_home)
    flagged = {c.name for r in store.list_drafts() for c in r.flagged()}
    name = sorted(flagged)[0]
    expected = {r.id for r in store.list_drafts() if any(c.name == name for c in r.flagged())}
    at.multiselect(key="f_check").set_value([name]).run()
    assert _cards(at) == expected


def test_approve_from_a_card_records_the_reviewer(ui_home: Settings) -> None:
    at = app_test("maya").run()
    at.button(key=f"approve-{STORIES[0]}").click().run()
    assert f"Approved {STORIES[0]} (by maya)" in _texts(at.toast)
    store = ReviewStore.from_settings(ui_home)
    assert store.get(STORIES[0]).status == "approved"
    assert store.history(STORIES[0])[-1].reviewer == "maya"
    assert STORIES[0] not in _cards(at)  # it left the queue


def test_detail_view_shows_image_layout_condition_prompt_checks_and_lineage(ui_home: Settings) -> None:
    at = app_test()
    at.query_params["draft"] = CHILD
    at.run()
    assert not at.exception
    store = ReviewStore.from_settings(ui_home)
    plan = store.detail(CHILD).plan
    codes = _texts(at.code)
    assert plan.prompt in codes and plan.negative_prompt in codes
    markdown = _texts(at.markdown)
    assert str(plan.seed) in markdown
    for check in store.get(CHILD).checks:  # every check with its reason
        assert check.reason.split()[0] in markdown
    assert any("ControlNet condition" in str(i.proto) for i in at.image)
    before = len(at.image)
    at.toggle(key="overlay").set_value(True).run()
    assert len(at.image) == before and "headline" in _texts(at.html)  # the boxes and their legend
    assert f"lin-open-{REVISED}" in {b.key for b in at.button}  # lineage: the parent, openable
    at.button(key=f"lin-open-{REVISED}").click().run()
    assert at.query_params["draft"] == REVISED
    assert "warmer light" in _texts(at.markdown)  # the parent's decision and note
    assert "Revised as" in _texts(at.markdown)


def test_reject_needs_a_reason_and_records_it(ui_home: Settings) -> None:
    at = app_test("sam")
    at.query_params["draft"] = POSTS[0]
    at.run()
    at.button(key=f"d-reject-{POSTS[0]}").click().run()
    assert "Say why the draft is rejected" in _texts(at.error)
    store = ReviewStore.from_settings(ui_home)
    assert store.get(POSTS[0]).status == "in_review"
    at.text_input(key=f"reason-{POSTS[0]}").input("the can is cut off at the top")
    at.button(key=f"d-reject-{POSTS[0]}").click().run()
    assert store.get(POSTS[0]).status == "rejected"
    last = store.history(POSTS[0])[-1]
    assert (last.reviewer, last.note) == ("sam", "the can is cut off at the top")
    assert at.query_params["draft"] != POSTS[0]  # on to the next draft waiting


def test_someone_elses_decision_first_is_shown_and_the_reason_kept(ui_home: Settings) -> None:
    from pipeline.models import Decision

    at = app_test("sam")
    at.query_params["draft"] = STORIES[1]
    at.run()
    ReviewStore.from_settings(ui_home).decide(
        Decision(draft_id=STORIES[1], action="approve", reviewer="maya"), actor=reviewer("maya")
    )
    at.text_input(key=f"reason-{STORIES[1]}").input("too dark")
    at.button(key=f"d-reject-{STORIES[1]}").click().run()
    warning = _texts(at.warning)
    assert "Not saved" in warning and "approve by maya" in warning
    assert "too dark" in warning  # sam's reason is shown back, not lost
    assert ReviewStore.from_settings(ui_home).get(STORIES[1]).status == "approved"  # maya's decision stands
    assert "by **maya**" in _texts(at.markdown)  # and the page now shows it


def test_bulk_approve_of_selected_drafts(ui_home: Settings) -> None:
    at = app_test("maya").run()
    assert at.button(key="bulk-approve").disabled  # nothing selected yet
    at.checkbox(key=f"sel-{POSTS[0]}").check()
    at.checkbox(key=f"sel-{STORIES[1]}").check().run()
    assert at.button(key="bulk-approve").label == "Approve selected (2)"
    at.button(key="bulk-approve").click().run()
    store = ReviewStore.from_settings(ui_home)
    assert {store.get(i).status for i in (POSTS[0], STORIES[1])} == {"approved"}
    assert {store.get(i).status for i in (CHILD, STORIES[0])} == {"in_review"}
    assert "Approved 2 draft(s) (by maya)" in _texts(at.toast)


@pytest.mark.slow
def test_request_changes_re_plans_and_re_renders_through_the_flow(ui_home: Settings) -> None:
    from ui.jobs import shared_queue

    at = app_test("maya")
    at.query_params["draft"] = STORIES[0]
    at.run()
    at.button(key=f"d-changes-{STORIES[0]}").click().run()
    assert "Say what should change" in _texts(at.error)
    at.text_area(key=f"change-{STORIES[0]}").input("more space above the can")
    at.button(key=f"d-changes-{STORIES[0]}").click().run()
    store = ReviewStore.from_settings(ui_home)
    assert store.get(STORIES[0]).status == "changes_requested"
    job = next(j for j in shared_queue().jobs() if j.draft_id == STORIES[0])
    done = shared_queue().wait(job.id, timeout=600)
    assert done.status == "done", done.error
    revised = store.get(f"{STORIES[0]}-r1")
    assert revised.parent_id == STORIES[0] and revised.status in ("in_review", "rejected_by_gate")
    assert "more space above the can" in store.detail(revised.id).plan.replan_reason
    at.query_params["draft"] = STORIES[0]
    at.run()
    assert "Revised as" in _texts(at.markdown) and f"lin-open-{revised.id}" in {b.key for b in at.button}
