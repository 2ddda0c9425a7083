from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.knowledge.retrieval import BM25Index, Retriever, tokenize
from pipeline.knowledge.store import KnowledgeBase
from pipeline.settings import Settings
from tests.servers import KNOWLEDGE_BACKENDS, knowledge_settings

QUESTIONS = Path(__file__).resolve().parents[3] / "bench" / "data" / "tidewell_questions.yaml"


@pytest.fixture(params=KNOWLEDGE_BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Tests that ingest their own guidelines run on the embedded store and on a Chroma server."""
    return knowledge_settings(request.param, tmp_path / "ws")


@pytest.mark.unit
def test_tokenizer_keeps_exact_tokens() -> None:
    assert tokenize("Print at 300 dpi, Deep Kelp #176B26!") == ["print", "300", "dpi", "deep", "kelp", "#176b26"]
    assert tokenize("Colours and greys") == tokenize("color and gray")


@pytest.mark.unit
def test_bm25_prefers_the_rare_exact_term() -> None:
    index = BM25Index(["logo clear space rules", "colour palette teal #0F7C8C", "photography of people"])
    scores = index.scores("what is #0f7c8c")
    assert scores.argmax() == 1 and scores[0] == 0
    assert index.scores("zzz unknown").sum() == 0


@pytest.mark.integration
def test_exact_tokens_and_paraphrases_find_the_right_passage(sample_workspace: KnowledgeBase) -> None:
    retriever = Retriever(sample_workspace)
    hit = retriever.search("C 85 M 30 Y 75 K 40", brand="Tidewell", k=1)[0]
    assert "Deep Kelp" in hit.text
    hit = retriever.search("how much empty room around our logo?", brand="Tidewell", k=1)[0]
    assert "clear space" in hit.text.lower()
    hits = retriever.search("minimum logo width on screen", brand="tidewell", k=3)
    assert any("120 px" in h.text for h in hits)
    assert hits[0].score >= hits[1].score >= hits[2].score and 0 < hits[0].score <= 1


@pytest.mark.integration
def test_search_is_brand_scoped(sample_workspace: KnowledgeBase) -> None:
    retriever = Retriever(sample_workspace)
    for hit in retriever.search("logo corner", brand="Ardent Outdoor", k=10):
        assert hit.source.startswith("ardent")
    assert retriever.search("   ", brand="Tidewell") == []


@pytest.mark.integration
def test_top_passage_answers_most_sample_questions(sample_workspace: KnowledgeBase) -> None:
    """A floor, not the benchmark: `make bench` reports hit@1 / hit@3 against a LangChain baseline."""
    import yaml

    questions = yaml.safe_load(QUESTIONS.read_text())
    retriever = Retriever(sample_workspace)
    hits1 = sum(
        q["answer"].lower() in retriever.search(q["question"], brand="Tidewell", k=1)[0].text.lower() for q in questions
    )
    assert hits1 / len(questions) >= 0.6


@pytest.mark.integration
def test_index_refreshes_after_ingest(kb: KnowledgeBase, tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("# Logo\n\nThe logo sits top-left.\n")
    kb.ingest([doc], brand="Acme")
    retriever = Retriever(kb)
    assert "top-left" in retriever.search("logo placement", brand="Acme", k=1)[0].text
    (tmp_path / "b.md").write_text("# Print\n\nAll print files are 300 dpi with 3 mm bleed.\n")
    kb.ingest([tmp_path / "b.md"], brand="Acme")
    assert "300 dpi" in retriever.search("bleed for print", brand="Acme", k=1)[0].text
