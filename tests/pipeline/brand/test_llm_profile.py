"""With a chat model, extraction also asks it for the profile; only what the text bears out is kept."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from pipeline.brand.llm_profile import LLM_CONFIDENCE, read_with_model
from pipeline.brand.profile import extract_profile
from pipeline.knowledge.chunking import chunk_blocks
from pipeline.knowledge.loaders.markdown import markdown_to_blocks
from tests.agents.fakes import ScriptedChatModel, tool_call

pytestmark = pytest.mark.unit

GUIDE = (
    "# Colour\n\nOur blue is #0044CC and we like it a lot.\n\n"
    "# Type\n\nWe set everything in Lumen Serif, always.\n\n"
    "# Words\n\nPlease keep copy warm and plain; synergy has no place here.\n"
)


def _chunks() -> list:
    return chunk_blocks(markdown_to_blocks(GUIDE), brand="Acme", source="guide.md")


def _ref(chunk_id: str, quote: str) -> dict[str, str]:
    return {"chunk_id": chunk_id, "source": "guide.md", "quote": quote}


def test_checked_items_fill_gaps_and_invented_ones_are_dropped() -> None:
    colour, type_, words = _chunks()
    reply = tool_call(
        "ProfileReading",
        palette=[
            {
                "name": "Acme Blue",
                "hex": "#0044cc",
                "role": "primary",
                "source": _ref(colour.id, "Our blue is #0044CC"),
            },
            {"name": "Made Up Red", "hex": "#FF0000", "source": _ref(colour.id, "red")},  # not in the text
        ],
        fonts=[
            {"family": "Lumen Serif", "usage": "body", "source": _ref(type_.id, "Lumen Serif")},
            {"family": "Helvetica", "source": _ref(type_.id, "Helvetica")},  # not in its chunk
            {"family": "Lumen Serif", "source": _ref("no-such-chunk", "x")},  # names no chunk it was shown
        ],
        banned_terms=[{"term": "synergy", "source": _ref(words.id, "synergy has no place here")}],
        rules=[
            {
                "text": "Keep copy warm and plain",
                "kind": "tone",
                "polarity": "do",
                "source": _ref(words.id, "keep copy warm and plain"),
            },
            {"text": "Never show dogs", "kind": "imagery", "polarity": "dont", "source": _ref(words.id, "dogs")},
        ],
    )
    model = ScriptedChatModel(replies=[reply])
    reading, dropped = read_with_model(model, [colour, type_, words])
    assert [c.hex for c in reading.palette] == ["#0044CC"] and [f.family for f in reading.fonts] == ["Lumen Serif"]
    assert len(dropped) == 4 and any("#FF0000" in d for d in dropped) and any("Helvetica" in d for d in dropped)
    assert "DATA" in model.seen[0][0].content and colour.text in model.seen[0][1].content

    model = ScriptedChatModel(replies=[reply])
    profile = extract_profile("Acme", [colour, type_, words], chat_model=model)
    blue = next(c for c in profile.palette if c.hex == "#0044CC")
    assert blue.name == "Acme Blue" and blue.confidence == LLM_CONFIDENCE and blue.source.chunk_id == colour.id
    font = next(f for f in profile.fonts if f.family == "Lumen Serif")
    assert font.confidence == LLM_CONFIDENCE and font.source.quote == "Lumen Serif"
    assert "synergy" in {t.term for t in profile.banned_terms}
    assert "#FF0000" not in {c.hex for c in profile.palette} and "Helvetica" not in {f.family for f in profile.fonts}
    assert not any(r.text == "Never show dogs" for r in profile.imagery_rules)


def test_the_rule_based_reading_wins_and_an_unreachable_model_changes_nothing() -> None:
    chunks = chunk_blocks(
        markdown_to_blocks('# Colour\n\n- Harbour Navy: #1B2A41\n\n# Words\n\nNever say "cheap".\n'),
        brand="Acme",
        source="guide.md",
    )
    offline = extract_profile("Acme", chunks)
    renamed = tool_call(
        "ProfileReading",
        palette=[{"name": "Blue-ish", "hex": "#1B2A41", "source": _ref(chunks[0].id, "#1B2A41")}],
    )
    merged = extract_profile("Acme", chunks, chat_model=ScriptedChatModel(replies=[renamed]))
    assert [(c.name, c.confidence) for c in merged.palette] == [("Harbour Navy", 1.0)]
    down = extract_profile("Acme", chunks, chat_model=ScriptedChatModel(replies=[ConnectionError("refused")]))
    assert down == offline
    garbage = extract_profile("Acme", chunks, chat_model=ScriptedChatModel(replies=[AIMessage("no idea")]))
    assert garbage == offline
