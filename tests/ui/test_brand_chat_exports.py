"""The Brand, Chat and Exports pages (AppTest) on the real workspace."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.brand.store import ProfileStore
from pipeline.models import Decision
from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from tests.actors import reviewer
from tests.ui.helpers import CAMPAIGN, POSTS, STORIES, add_users, app_test
from ui.uploads import guideline_folder

pytestmark = pytest.mark.integration


def _texts(elements: object) -> str:
    return " ".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def _page(at: object, page: str) -> object:
    at.switch_page(f"views/{page}.py").run()  # type: ignore[attr-defined]
    assert not at.exception, at.exception  # type: ignore[attr-defined]
    return at


def test_brand_page_shows_swatches_rules_with_sources_and_searches(ui_home: Settings) -> None:
    profile = ProfileStore(ui_home).profile("Tidewell")
    at = _page(app_test().run(), "brand")
    swatches = _texts(at.html)
    for colour in profile.palette:
        assert f"background-color:{colour.hex}" in swatches and colour.name in swatches
    markdown = _texts(at.markdown)
    rule = profile.imagery_rules[0]
    assert rule.source is not None and rule.source.source in markdown.replace("\\", "")  # where the rule came from
    assert "Never say" in markdown
    at.text_input(key="brand_query").input("how much clear space around the logo?").run()
    hits = _texts(at.markdown)
    assert "score" in hits and "clear space" in hits.lower()


def test_override_file_is_validated_before_it_replaces_anything(ui_home: Settings) -> None:
    at = _page(app_test().run(), "brand")
    at.text_area(key="override-Tidewell").input("palette:\n  - {name: Neon, hex: '#GGGGGG'}\n")
    at.button(key="save_override").click().run()
    assert "'#GGGGGG' is not a colour" in _texts(at.error) and "override file" in _texts(at.error)
    store = ProfileStore(ui_home)
    assert not store.override_path("Tidewell").is_file()  # the bad file never landed
    at.text_area(key="override-Tidewell").input("banned_terms: [cheap, fizzy pop]\n")
    at.button(key="save_override").click().run()
    assert not at.exception
    assert [t.term for t in store.profile("Tidewell").banned_terms if t.kind == "banned"] == ["cheap", "fizzy pop"]
    assert "override file" in _texts(at.markdown)  # the profile says which fields the override replaces


def test_guidelines_upload_ingests_a_new_brand_and_extracts_its_profile(ui_home: Settings) -> None:
    guide = (
        b"# Acme guidelines\n\n## Colour\n\n| name | hex | role |\n|---|---|---|\n"
        b"| Acme Red | #D7263D | primary |\n| Night | #1B1B3A | secondary |\n\n"
        b'## Words\n\nNever use the words "cheap" or "bargain".\n'
    )
    at = _page(app_test().run(), "brand")
    at.selectbox(key="brand_pick").set_value("+ New brand").run()
    at.text_input(key="new_brand").input("Acme")
    at.file_uploader(key="guideline_upload").set_value([("../Acme Book.md", guide, "text/markdown")]).run()
    at.button(key="ingest").click().run()
    assert not at.exception
    saved = guideline_folder(ui_home.home, "Acme") / "Acme-Book.md"
    assert saved.read_bytes() == guide  # under the workspace, by a checked name
    profile = ProfileStore(ui_home).profile("Acme")
    assert {c.hex for c in profile.palette} == {"#D7263D", "#1B1B3A"}
    assert at.selectbox(key="brand_pick").value == "Acme"
    assert "background-color:#D7263D" in _texts(at.html)
    at.selectbox(key="brand_pick").set_value("+ New brand").run()
    at.text_input(key="new_brand").input("Acme")
    at.file_uploader(key="guideline_upload").set_value([("fake.pdf", b"not a pdf at all", "application/pdf")]).run()
    at.button(key="ingest").click().run()
    assert "fake.pdf: the content is not a PDF file" in _texts(at.error)


def test_chat_shows_the_tools_called_and_their_results(ui_home: Settings) -> None:
    at = _page(app_test().run(), "chat")
    at.chat_input(key="chat_input").set_value("Which fonts may a headline use?").run()
    assert not at.exception
    messages = at.chat_message
    assert len(messages) == 2 and messages[1].name == "assistant"
    tools = [e.label for e in at.expander]
    assert any(label.startswith("search_guidelines(") for label in tools)
    assert "Lato" in _texts(messages[1].markdown)
    at.chat_input(key="chat_input").set_value("approve spring-citrus-launch-instagram_post-1").run()
    assert "is approved" in _texts(at.chat_message[-1].markdown) or "approved" in _texts(at.chat_message[-1].markdown)
    assert ReviewStore.from_settings(ui_home).history(POSTS[0])[-1].reviewer == "maya"


def test_chat_as_a_viewer_cannot_approve(ui_home: Settings) -> None:
    add_users(ui_home)
    at = app_test(reviewer=None).run()
    at.text_input(key="login_user").input("vic")
    at.text_input(key="login_password").input("vic-password")
    at.button[0].click().run()
    at = _page(at, "chat")
    at.chat_input(key="chat_input").set_value(f"approve {STORIES[0]}").run()
    assert "reviewer role" in _texts(at.chat_message[-1].markdown) + _texts(at.chat_message[-1].error)
    assert ReviewStore.from_settings(ui_home).get(STORIES[0]).status == "in_review"


def test_exports_preview_each_channel_size_and_download_a_zip(ui_home: Settings) -> None:
    store = ReviewStore.from_settings(ui_home)
    for draft_id in (POSTS[0], STORIES[0]):
        store.decide(Decision(draft_id=draft_id, action="approve", reviewer="maya"), actor=reviewer("maya"))
    at = _page(app_test().run(), "exports")
    captions = _texts(at.caption)
    assert "1080 × 1080 px · 1 approved" in captions and "1080 × 1920 px · 1 approved" in captions
    assert any("1080x1920" in str(i.proto) for i in at.image)  # the story composed at its final size
    at.button(key="export").click().run()
    assert not at.exception
    download = at.download_button(key="download")
    assert download.label == "Download zip"
    archive = next((ui_home.home / "exports").rglob(f"{CAMPAIGN}.zip"))
    names = zipfile.ZipFile(archive).namelist()
    assert sum(n.endswith(".png") for n in names) == 2 and any(n.endswith("manifest.json") for n in names)
    assert {store.get(i).status for i in (POSTS[0], STORIES[0])} == {"exported"}
    assert Path(archive).stat().st_size > 0
