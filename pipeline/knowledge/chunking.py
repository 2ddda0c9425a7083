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
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.knowledge.loaders.registry import Block
from pipeline.models import GuidelineChunk, SourceRef

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def chunk_id(brand_key: str, source: str, section: str, text: str, occurrence: int) -> str:
    """Content-hash id: the same passage in the same place of the same document keeps its id."""
    payload = "\x00".join([brand_key, source, section, text, str(occurrence)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def chunk_blocks(
    blocks: list[Block], *, brand: str, source: str, doc_sha: str = "", max_chars: int = 700
) -> list[GuidelineChunk]:
    title = document_title(blocks)
    if title:
        blocks = blocks[1:]
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
                brand=brand,
                source=source,
                section=group_section,
                title=title,
                text=text,
                kind=kind,
                page=group[0].page,
                position=len(chunks),
                doc_sha=doc_sha,
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


def document_title(blocks: list[Block]) -> str:
    """The first heading, when it is the document's only heading at its level or above: a title
    shared by every chunk, which would only blur what each chunk is about."""
    if not blocks or blocks[0].kind != "heading":
        return ""
    level = blocks[0].level
    if any(b.kind == "heading" and b.level <= level for b in blocks[1:]):
        return ""
    return blocks[0].text


def _split_block(block: Block, max_chars: int) -> list[Block]:
    """Keep lists and tables whole up to 3x the chunk size; split longer ones by rows, prose by sentences."""
    if len(block.text) <= max_chars or (block.kind in ("list", "table") and len(block.text) <= 3 * max_chars):
        return [block]
    if block.kind in ("list", "table", "code"):
        rows = block.text.split("\n")
        header = rows[0] if block.kind == "table" else None
        parts, current = [], [] if header is None else [header]
        for row in rows[1:] if header is not None else rows:
            if (
                current
                and sum(len(r) + 1 for r in current) + len(row) > max_chars
                and len(current) > (1 if header else 0)
            ):
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


# --- units: table rows, list items, sentences ---------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """The smallest piece a rule is read from: a sentence, a list item or a table row."""

    text: str
    chunk: GuidelineChunk
    kind: str  # "sentence", "item", "row"
    header: tuple[str, ...] = ()  # for table rows: the header cells
    cells: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        return self.chunk.section

    @property
    def path(self) -> str:
        """Title and section: a file titled "Logo" makes its "Placement" section about the logo."""
        return " > ".join(p for p in (self.chunk.title, self.chunk.section) if p)

    @property
    def heading(self) -> str:
        """The innermost heading above the unit (the document title when there is no other)."""
        return self.path.rsplit(" > ", 1)[-1]

    def ref(self) -> SourceRef:
        return SourceRef(
            chunk_id=self.chunk.id, source=self.chunk.source, section=self.chunk.section, quote=self.text[:300]
        )


_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(“‘])")
_ITEM = re.compile(r"^\s*(?:[-*+•▪◦–]|\d{1,2}[.)]|[a-z][.)])\s+")


def _is_table_row(line: str) -> bool:
    return " | " in line or line.count("|") >= 2


def units_of(chunk: GuidelineChunk) -> Iterator[Unit]:
    lines = [ln for ln in chunk.text.split("\n") if ln.strip()]
    header: tuple[str, ...] = ()
    for line in lines:
        if _is_table_row(line):
            cells = tuple(c.strip() for c in line.strip().strip("|").split("|"))
            if not header:
                header = cells
                # A header of code names ("HEX", "RGB") is not a colour itself; still a unit for context.
                if not any(re.search(r"#[0-9A-Fa-f]{3,6}\b|\d{2,}", c) for c in cells):
                    continue
            yield Unit(" | ".join(cells), chunk, "row", header, cells)
            continue
        header = ()
        if _ITEM.match(line):
            yield Unit(_ITEM.sub("", line).strip(), chunk, "item")
            continue
        for sentence in _SENTENCE.split(line):
            if sentence.strip():
                yield Unit(sentence.strip(), chunk, "sentence")


def unit_texts(chunk: GuidelineChunk) -> list[str]:
    """Texts embedded on their own for a chunk of several units, so that one table row or list item
    in a whole table or list can still be found (each keeps the section and, for rows, the header)."""
    units = list(units_of(chunk))
    if len(units) < 2:
        return []
    out = []
    for unit in units:
        if unit.kind != "row" and len(unit.text.split()) < 4:
            continue  # fragments ("Bold.", a code line) say too little alone; the chunk still carries them
        body = f"{' | '.join(unit.header)}\n{unit.text}" if unit.kind == "row" and unit.header else unit.text
        out.append(f"{chunk.topic}\n{body}" if chunk.topic else body)
    return out
