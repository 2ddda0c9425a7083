"""Structure-aware chunking: blocks -> small, focused, section-labelled guideline chunks.

A chunk never crosses a heading, so every chunk answers to one section path
("Visual identity > Logo > Clear space"). Lists and tables stay whole (a long table is
split between rows, repeating its header row); long paragraphs split between sentences.

    >>> from pipeline.documents import Block
    >>> chunks = chunk_blocks([Block("heading", "Logo", 1), Block("paragraph", "Top-left only.")],
    ...                       brand="acme", source="logo.md")
    >>> chunks[0].section, chunks[0].text
    ('Logo', 'Top-left only.')
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from pipeline.documents import Block
from pipeline.models import GuidelineChunk

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def chunk_id(brand_key: str, source: str, section: str, text: str, occurrence: int) -> str:
    """Content-hash id: the same passage in the same place of the same document keeps its id."""
    payload = "\x00".join([brand_key, source, section, text, str(occurrence)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def chunk_blocks(
    blocks: list[Block], *, brand: str, source: str, doc_sha: str = "", max_chars: int = 700
) -> list[GuidelineChunk]:
    headings: list[tuple[int, str]] = []
    pieces: list[tuple[str, Block]] = []  # (section path, block) with oversized blocks split
    for block in blocks:
        if block.kind == "heading":
            headings = [h for h in headings if h[0] < block.level]
            headings.append((block.level, block.text))
            continue
        section = " > ".join(text for _, text in headings)
        for part in _split_block(block, max_chars):
            pieces.append((section, part))

    chunks: list[GuidelineChunk] = []
    seen: Counter[tuple[str, str]] = Counter()
    group: list[Block] = []
    group_section = ""

    def flush() -> None:
        if not group:
            return
        text = "\n".join(b.text for b in group).strip()
        kinds = {b.kind for b in group}
        kind = "mixed" if len(kinds) > 1 else {"list": "list", "table": "table"}.get(next(iter(kinds)), "text")
        key = (group_section, text)
        occurrence = seen[key]
        seen[key] += 1
        chunks.append(
            GuidelineChunk(
                id=chunk_id(brand.casefold(), source, group_section, text, occurrence),
                brand=brand, source=source, section=group_section, text=text, kind=kind,  # type: ignore[arg-type]
                page=group[0].page, position=len(chunks), doc_sha=doc_sha,
            )
        )
        group.clear()

    for section, block in pieces:
        size = sum(len(b.text) + 1 for b in group)
        if group and (section != group_section or size + len(block.text) > max_chars):
            flush()
        if not group:
            group_section = section
        group.append(block)
    flush()
    return chunks


def _split_block(block: Block, max_chars: int) -> list[Block]:
    """Keep lists and tables whole up to 3x the chunk size; split longer ones by rows, prose by sentences."""
    if len(block.text) <= max_chars or (block.kind in ("list", "table") and len(block.text) <= 3 * max_chars):
        return [block]
    if block.kind in ("list", "table", "code"):
        rows = block.text.split("\n")
        header = rows[0] if block.kind == "table" else None
        parts, current = [], [] if header is None else [header]
        for row in rows[1:] if header is not None else rows:
            if current and sum(len(r) + 1 for r in current) + len(row) > max_chars and len(current) > (1 if header else 0):
                parts.append("\n".join(current))
                current = [] if header is None else [header]
            current.append(row)
        parts.append("\n".join(current))
        return [Block(block.kind, p, page=block.page) for p in parts if p.strip()]
    sentences = _SENTENCE_END.split(block.text)
    parts, current_text = [], ""
    for sentence in sentences:
        if current_text and len(current_text) + len(sentence) + 1 > max_chars:
            parts.append(current_text)
            current_text = sentence
        else:
            current_text = f"{current_text} {sentence}".strip()
    if current_text:
        parts.append(current_text)
    return [Block(block.kind, p, page=block.page) for p in parts]
