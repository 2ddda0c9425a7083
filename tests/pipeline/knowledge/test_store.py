from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.knowledge.store import KnowledgeBase, collection_name
from pipeline.settings import Settings
from pipeline.slugs import brand_slug
from tests.conftest import SAMPLE_GUIDELINES
from tests.servers import KNOWLEDGE_BACKENDS, knowledge_settings

pytestmark = pytest.mark.integration


@pytest.fixture(params=KNOWLEDGE_BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every knowledge-base test runs on the embedded store and on a Chroma server (.ci/run starts one)."""
    return knowledge_settings(request.param, tmp_path / "ws")


def _guidelines(tmp_path: Path) -> Path:
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "logo.md").write_text("# Logo\n\nPlace the logo top-left.\n\n## Clear space\n\nKeep 20% clear space.\n")
    (folder / "colour.md").write_text("# Colour\n\n| Name | HEX |\n|---|---|\n| Tide | #1F6F8B |\n")
    (folder / "notes.xyz").write_text("ignored in a folder")
    return folder


def test_reingesting_the_same_files_adds_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    first = kb.ingest([folder], brand="Acme")
    assert (first.documents, first.added, first.unchanged, first.removed) == (2, 3, 0, 0)
    second = kb.ingest([folder], brand="acme ")
    assert (second.documents, second.chunks, second.added, second.unchanged, second.removed) == (2, 3, 0, 3, 0)
    assert second.total_chunks == 3 and second.brand == "Acme"


def test_a_changed_file_replaces_only_its_changed_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    kb.ingest([folder], brand="Acme")
    (folder / "logo.md").write_text(
        "# Logo\n\nPlace the logo bottom-right.\n\n## Clear space\n\nKeep 20% clear space.\n"
    )
    report = kb.ingest([folder], brand="Acme")
    assert (report.added, report.removed, report.unchanged) == (1, 1, 2)
    texts = [c.text for c in kb.chunks("Acme")]
    assert "Place the logo bottom-right." in texts and "Place the logo top-left." not in texts
    assert kb.ingest([folder], brand="Acme").added == 0


def test_bad_files_are_reported_and_the_rest_still_ingested(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (folder / "empty.txt").write_text("")
    report = kb.ingest([folder, tmp_path / "missing.md"], brand="Acme")
    assert report.documents == 2 and report.added == 3
    problems = {Path(p.file).name: p.error for p in report.errors}
    assert set(problems) == {"broken.pdf", "empty.txt", "missing.md"}
    assert "not a readable PDF" in problems["broken.pdf"]


def test_a_file_that_turns_bad_keeps_its_stored_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    kb.ingest([folder], brand="Acme")
    (folder / "logo.md").write_bytes(b"caf\xe9")
    report = kb.ingest([folder], brand="Acme")
    assert [Path(p.file).name for p in report.errors] == ["logo.md"]
    assert "Place the logo top-left." in [c.text for c in kb.chunks("Acme")]


def test_brands_are_separate_collections(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    kb.ingest([folder], brand="Acme")
    kb.ingest([SAMPLE_GUIDELINES / "04-voice-and-messaging.md"], brand="Other & Co.")
    assert kb.brands() == ["Acme", "Other & Co."]
    assert all(c.brand == "Acme" for c in kb.chunks("Acme"))
    with pytest.raises(UserError, match="has no ingested guidelines"):
        kb.chunks("Nobody")


@pytest.mark.parametrize("name", ["Café Noir & Co.", "a", "x" * 300, "  spaced   name ", "品牌", "192.168.0.1", "..."])
def test_collection_names_are_safe_for_any_brand_name(name: str) -> None:
    import re

    col = collection_name(name)
    assert 3 <= len(col) <= 63
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*[a-z0-9]", col)
    assert ".." not in col


def test_empty_brand_name_is_a_user_error(kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="brand name is empty"):
        kb.ingest([_guidelines(tmp_path)], brand="   ")
    assert brand_slug("Acme") == brand_slug(" ACME ")


def test_changing_the_embedder_needs_a_rebuild(settings: Settings, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    KnowledgeBase(settings).ingest([folder], brand="Acme")
    other = KnowledgeBase(settings.model_copy(update={"embedding_model": str(tmp_path / "some-model")}))
    with pytest.raises(UserError, match="re-ingest with --rebuild"):
        other.ingest([folder], brand="Acme")


def test_rebuild_drops_and_reembeds(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    kb.ingest([folder], brand="Acme")
    shutil.copy(SAMPLE_GUIDELINES / "01-brand-overview.md", folder / "overview.md")
    report = kb.ingest([folder], brand="Acme", rebuild=True)
    assert report.unchanged == 0 and report.added == report.total_chunks > 3


def test_sentence_and_row_vectors_follow_their_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    doc = tmp_path / "palette.md"
    doc.write_text("# Colour\n\n| Name | HEX |\n|---|---|\n| Tide | #1F6F8B |\n| Sand | #F4E2C4 |\n")
    kb.ingest([doc], brand="Acme")
    units = kb._units("Acme")
    parents = {m["parent"] for m in units.get(include=["metadatas"])["metadatas"]}
    assert parents == {c.id for c in kb.chunks("Acme")} and units.count() == 2
    doc.write_text("# Colour\n\n| Name | HEX |\n|---|---|\n| Tide | #1F6F8B |\n| Kelp | #176B26 |\n")
    kb.ingest([doc], brand="Acme")
    got = units.get(include=["metadatas"])
    assert {m["parent"] for m in got["metadatas"]} == {c.id for c in kb.chunks("Acme")}
    assert units.count() == 2  # the old table's rows went with it


def test_prune_removes_documents_deleted_from_the_folder(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = _guidelines(tmp_path)
    kb.ingest([folder], brand="Acme")
    (folder / "colour.md").unlink()
    kept = kb.ingest([folder], brand="Acme")
    assert kept.removed == 0 and kept.total_chunks == 3  # without --prune nothing is dropped
    pruned = kb.ingest([folder], brand="Acme", prune=True)
    assert pruned.removed == 1 and pruned.total_chunks == 2
    assert {c.source for c in kb.chunks("Acme")} == {"logo.md"}


def test_rebuild_with_nothing_readable_keeps_the_brand(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.ingest([_guidelines(tmp_path)], brand="Acme")
    report = kb.ingest([tmp_path / "nope"], brand="Acme", rebuild=True)
    assert report.errors and report.total_chunks == 3
