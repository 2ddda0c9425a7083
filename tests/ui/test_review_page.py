"""The Review page (AppTest) on a real workspace: the gallery, filters, the detail view, and every
kind of decision, each checked in the review store."""

from __future__ import annotations

import re

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
    assert "palette" in markdown and "layout" in markdown
    store = ReviewStore.from_settings(ui_home)
    passed = [i for i in IN_REVIEW if not store.get(i).flagged()]
    badges = [str(m.value) for m in at.markdown if "ob-passed" in str(m.value) or "ob-flagged" in str(m.value)]
    assert len(badges) == len(IN_REVIEW)  # one per card
    assert sum("ob-passed" in b and "All checks passed" in b for b in badges) == len(passed)
    assert sum("ob-flagged" in b and "Flagged: " in b for b in badges) == len(IN_REVIEW) - len(passed)
    assert "Needs a look" not in markdown  # no longer said of every draft
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
    at.pills(key="f_status").set_value(["in_review"]).run()
    at.pills(key="f_verdict").set_value(["reject"]).run()
    assert _cards(at) == set()
    assert "No drafts match these filters" in _texts(at.info)
    at.button(key="clear-filters-empty").click().run()  # the way out is always there
    assert _cards(at) == {*IN_REVIEW, REVISED} and not at.pills(key="f_verdict").value
    assert at.button(key="clear-filters").disabled  # nothing left to clear
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


def _all_checks_pass(store: ReviewStore, draft_id: str) -> None:
    """Make a stored draft's report one where every check passed (the template's renders are rough)."""
    detail = store.detail(draft_id)
    assert detail.report is not None
    checks = [c.model_copy(update={"status": "pass"}) for c in detail.report.checks]
    report = detail.report.model_copy(update={"checks": checks}).model_dump(mode="json")
    with store.engine.begin() as conn:
        conn.execute(store.tables.drafts.update().where(store.tables.drafts.c.id == draft_id).values(report=report))


def test_bulk_approve_lists_flagged_drafts_and_asks_first(ui_home: Settings) -> None:
    store = ReviewStore.from_settings(ui_home)
    _all_checks_pass(store, STORIES[1])
    flagged = [i for i in (POSTS[0], CHILD) if store.get(i).flagged()]
    assert flagged, "the template's drafts are expected to be flagged by some check"
    at = app_test("maya").run()
    assert at.button(key="bulk-approve").disabled  # nothing selected yet
    for draft_id in (POSTS[0], CHILD, STORIES[1]):
        at.checkbox(key=f"sel-{draft_id}").check()
    at.run()
    assert at.button(key="bulk-approve").label == "Approve selected (3)"
    at.button(key="bulk-approve").click().run()
    assert {store.get(i).status for i in (POSTS[0], CHILD, STORIES[1])} == {"in_review"}  # nothing yet
    warning = _texts(at.warning)
    assert f"{len(flagged)} of the 3 selected draft(s) were flagged by a check" in warning
    listed = _texts(at.markdown)
    assert all(i in listed.replace("\\", "") for i in flagged)
    at.button(key="bulk-passed").click().run()  # only the one that passed every check
    assert store.get(STORIES[1]).status == "approved"
    assert {store.get(i).status for i in flagged} == {"in_review"}
    assert "Approved 1 draft(s) (by maya)" in _texts(at.toast)
    for draft_id in flagged:
        at.checkbox(key=f"sel-{draft_id}").check()
    at.run()
    at.button(key="bulk-approve").click().run()
    at.button(key="bulk-confirm").click().run()  # a deliberate second click approves them too
    assert {store.get(i).status for i in flagged} == {"approved"}


def test_a_decision_can_be_undone_and_reopened_with_both_entries_kept(ui_home: Settings) -> None:
    at = app_test("maya").run()
    at.button(key=f"approve-{STORIES[0]}").click().run()
    store = ReviewStore.from_settings(ui_home)
    assert store.get(STORIES[0]).status == "approved"
    assert at.button(key="undo").shortcut
    at.button(key="undo").click().run()
    assert store.get(STORIES[0]).status == "in_review"
    assert [h.action for h in store.history(STORIES[0])] == ["approve", "reopen"]
    assert STORIES[0] in _cards(at)  # back in the queue
    at.query_params["draft"] = REVISED  # sent back by sam in the template
    at.run()
    at.button(key=f"reopen-{REVISED}").click().run()
    assert store.get(REVISED).status == "in_review"
    assert [h.action for h in store.history(REVISED)] == ["request_changes", "reopen"]
    assert "Reopened" in _texts(at.toast) or "Reopened" in _texts(at.markdown)


def test_search_by_draft_id_and_sort(ui_home: Settings) -> None:
    at = app_test().run()
    at.text_input(key="find").input("story-2").run()
    assert _cards(at) == {STORIES[1]}
    at.text_input(key="find").input("").run()
    at.selectbox(key="sort").set_value("id").run()
    order = [str(b.key).removeprefix("open-") for b in at.button if str(b.key).startswith("open-")]
    assert order == sorted(order, key=lambda i: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", i)])
    at.selectbox(key="sort").set_value("flagged").run()
    store = ReviewStore.from_settings(ui_home)
    flags = [
        len(store.get(str(b.key).removeprefix("open-")).flagged()) for b in at.button if str(b.key).startswith("open-")
    ]
    assert flags == sorted(flags, reverse=True)


def test_detail_has_the_final_asset_the_parent_beside_it_and_shortcuts(ui_home: Settings) -> None:
    at = app_test("maya")
    at.query_params["draft"] = CHILD
    at.run()
    assert not at.exception
    tabs = [t.label for t in at.tabs]
    assert tabs[:2] == ["Final asset", "Compared with its parent"]
    markdown = _texts(at.markdown)
    assert "headline" in markdown and "Deep Harbour" in markdown  # the text colour, with its reason
    assert "a button in Citrus Zest" in markdown and "logo.png" in markdown
    assert any("as exported for" in str(i.proto) for i in at.image)
    assert "Before" in markdown and "After" in markdown
    # Streamlit stores a shortcut's key in lower case ("a" for "A")
    shortcuts = {str(b.key): b.proto.shortcut.upper() for b in at.button if b.proto.shortcut}
    shortcuts = {k: ("Escape" if v == "ESCAPE" else v) for k, v in shortcuts.items()}
    assert shortcuts.get(f"d-approve-{CHILD}") == "A" and shortcuts.get(f"d-reject-{CHILD}") == "X"
    assert shortcuts.get(f"d-changes-{CHILD}") == "E" and shortcuts.get("back") == "Escape"


@pytest.mark.slow
def test_request_changes_re_plans_and_re_renders_through_the_flow(ui_home: Settings) -> None:
    from ui.jobs import shared_queue

    at = app_test("maya")
    at.query_params["draft"] = STORIES[0]
    at.run()
    at.button(key=f"d-changes-{STORIES[0]}").click().run()
    assert "Say what should change" in _texts(at.error)
    store = ReviewStore.from_settings(ui_home)
    at.text_area(key=f"change-{STORIES[0]}").input("x" * 10_000)
    at.button(key=f"d-changes-{STORIES[0]}").click().run()
    assert "the note is 10,000 characters" in _texts(at.error)
    assert store.get(STORIES[0]).status == "in_review" and not store.history(STORIES[0])  # nothing stored
    at.text_area(key=f"change-{STORIES[0]}").input("Deep Harbour backdrop, the can on the left, make it pop")
    at.button(key=f"d-changes-{STORIES[0]}").click().run()
    assert store.get(STORIES[0]).status == "changes_requested"
    assert "I could not act on: make it pop" in _texts(at.warning)
    job = next(j for j in shared_queue().jobs() if j.draft_id == STORIES[0])
    done = shared_queue().wait(job.id, timeout=600)
    assert done.status == "done", done.error
    revised = store.get(f"{STORIES[0]}-r1")
    assert revised.parent_id == STORIES[0] and revised.status in ("in_review", "rejected_by_gate")
    plan, parent = store.detail(revised.id).plan, store.detail(STORIES[0]).plan
    assert "Deep Harbour backdrop" in plan.replan_reason
    assert "on a black background" in plan.prompt or "on a black backdrop" in plan.prompt
    assert plan.layout.template == "thirds_left" != parent.layout.template
    assert {c.aspect for c in plan.changes} == {"background", "product_side"} and plan.not_acted_on == ["make it pop"]
    at.query_params["draft"] = STORIES[0]
    at.run()
    assert "Revised as" in _texts(at.markdown) and f"lin-open-{revised.id}" in {b.key for b in at.button}
