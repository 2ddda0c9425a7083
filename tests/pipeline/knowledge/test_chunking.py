from __future__ import annotations

import pytest

from pipeline.knowledge.chunking import chunk_blocks
from pipeline.knowledge.loaders.registry import Block

pytestmark = pytest.mark.unit


def test_chunks_follow_sections_and_keep_the_heading_path() -> None:
    blocks = [
        Block("heading", "Visual identity", 1),
        Block("heading", "Logo", 2),
        Block("paragraph", "Top-left."),
        Block("heading", "Clear space", 3),
        Block("paragraph", "Equal to the wave."),
        Block("heading", "Colour", 2),
        Block("paragraph", "Teal."),
    ]
    chunks = chunk_blocks(blocks, brand="acme", source="a.md")
    # The single top heading is the document's title: kept apart, since every chunk shares it.
    assert [(c.title, c.section, c.text) for c in chunks] == [
        ("Visual identity", "Logo", "Top-left."),
        ("Visual identity", "Logo > Clear space", "Equal to the wave."),
        ("Visual identity", "Colour", "Teal."),
    ]
    assert chunks[1].embedding_text().startswith("Logo > Clear space\n")
    two_tops = chunk_blocks(
        [
            Block("heading", "Logo", 1),
            Block("paragraph", "A."),
            Block("heading", "Colour", 1),
            Block("paragraph", "B."),
        ],
        brand="acme",
        source="b.md",
    )
    assert [(c.title, c.section) for c in two_tops] == [("", "Logo"), ("", "Colour")]


def test_small_blocks_in_one_section_merge_and_big_ones_split() -> None:
    small = [Block("heading", "Tone", 1)] + [Block("paragraph", f"Rule {i}.") for i in range(5)]
    assert len(chunk_blocks(small, brand="b", source="s")) == 1
    long_paragraph = " ".join(f"Sentence number {i} is here." for i in range(100))
    chunks = chunk_blocks(
        [Block("heading", "Tone", 1), Block("paragraph", long_paragraph)], brand="b", source="s", max_chars=300
    )
    assert len(chunks) > 5 and all(len(c.text) <= 300 for c in chunks)
    assert " ".join(c.text for c in chunks) == long_paragraph


def test_tables_and_lists_stay_whole_and_long_tables_repeat_their_header() -> None:
    rows = ["Name | HEX"] + [f"Colour {i} | #00000{i % 10}" for i in range(12)]
    table = Block("table", "\n".join(rows))
    chunks = chunk_blocks([Block("heading", "Palette", 1), table], brand="b", source="s", max_chars=300)
    assert len(chunks) == 1 and chunks[0].kind == "table"  # up to 3x the chunk size stays whole
    big = Block("table", "\n".join(["Name | HEX"] + [f"Colour {i} | #0000{i:02d}" for i in range(80)]))
    parts = chunk_blocks([Block("heading", "Palette", 1), big], brand="b", source="s", max_chars=300)
    assert len(parts) > 1 and all(p.text.startswith("Name | HEX\n") for p in parts)


def test_ids_are_content_hashes() -> None:
    blocks = [Block("heading", "Logo", 1), Block("paragraph", "Top-left.")]
    a = chunk_blocks(blocks, brand="Acme", source="a.md")
    b = chunk_blocks(blocks, brand="acme", source="a.md")
    c = chunk_blocks(blocks, brand="acme", source="b.md")
    assert a[0].id == b[0].id != c[0].id
    twice = chunk_blocks(
        [*blocks, Block("heading", "Logo", 1), Block("paragraph", "Top-left.")],
        brand="acme",
        source="a.md",
        max_chars=5,
    )
    assert len({ch.id for ch in twice}) == 2


def test_small_sections_become_one_passage_with_their_headings_inline() -> None:
    from pipeline.knowledge.chunking import passages_of

    blocks = [
        Block("heading", "Design", 1),
        Block("heading", "Blue", 2),
        Block("paragraph", "A bright sky blue is joyful."),
        Block("heading", "House", 2),
        Block("paragraph", "A house with a pitched roof."),
        Block("heading", "Usage", 1),
        Block("heading", "Layout", 2),
        Block("paragraph", "The default layout is the horizontal wordmark. " * 6),
    ]
    chunks = chunk_blocks(blocks, brand="b", source="logo.md")
    assert [c.section for c in chunks] == ["Design > Blue", "Design > House", "Usage > Layout"]  # storage keeps them
    passages = passages_of(chunks, min_chars=160, max_chars=700)
    assert [p.section for p in passages] == ["Design", "Usage > Layout"]
    assert passages[0].text == "# Blue\nA bright sky blue is joyful.\n# House\nA house with a pitched roof."
    assert [c.id for c in passages[0].chunks] == [chunks[0].id, chunks[1].id]
    assert passages[1].text == chunks[2].text  # big enough alone; cousins never merge across chapters


def test_units_know_the_headings_and_the_lead_line_above_them() -> None:
    from pipeline.knowledge.chunking import units_of
    from pipeline.models import GuidelineChunk

    chunk = GuidelineChunk(
        id="1",
        brand="b",
        source="s.md",
        section="Logo",
        text="# Misuse\nDo not:\n- stretch the logo\n- recolour it\n# Size\n| Use | Min |\n| Screen | 50px |",
    )
    units = list(units_of(chunk))
    assert [(u.text, u.section, u.lead) for u in units[:2]] == [
        ("Do not:", "Logo > Misuse", ""),
        ("stretch the logo", "Logo > Misuse", "Do not:"),
    ]
    assert units[2].lead == "Do not:" and units[-1].cells == ("Screen", "50px") and units[-1].section == "Logo > Size"
