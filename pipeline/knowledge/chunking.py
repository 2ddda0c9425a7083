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
    blocks: list[Block],
    *,
    brand: str,
    source: str,
    doc_sha: str = "",
    max_chars: int = 700,
    min_chars: int = 0,
) -> list[GuidelineChunk]:
    """Chunks of one document. A section smaller than ``min_chars`` (a swatch, a one-line heading body)
    is merged with its siblings or its parent while the result stays within ``max_chars``: the merged
    chunk's section is their common heading path, and the headings below it stay in its text as
    Markdown heading lines ("## Clear space"), so that each part keeps its own heading."""
    title = document_title(blocks)
    if title:
        blocks = blocks[1:]
    headings: list[tuple[int, str]] = []
    pieces: list[tuple[tuple[str, ...], Block]] = []  # (heading path, block) with oversized blocks split
    for block in blocks:
        if block.kind == "heading":
            headings = [h for h in headings if h[0] < block.level]
            headings.append((block.level, block.text))
            continue
        path = tuple(text for _, text in headings)
        for part in _split_block(block, max_chars):
            pieces.append((path, part))

    groups: list[_Group] = []
    for path, block in pieces:
        last = groups[-1] if groups else None
        if last is not None and last.path == path and last.size + 1 + len(block.text) <= max_chars:
            last.parts.append((path, block))
        else:
            groups.append(_Group(path, [(path, block)]))
    if min_chars:
        groups = _merge_small(groups, min_chars, max_chars)

    chunks: list[GuidelineChunk] = []
    seen: Counter[tuple[str, str]] = Counter()
    for group in groups:
        section = " > ".join(group.path)
        text = group.text()
        kinds = {b.kind for _, b in group.parts}
        kind = "mixed" if len(kinds) > 1 else {"list": "list", "table": "table"}.get(next(iter(kinds)), "text")
        key = (section, text)
        occurrence = seen[key]
        seen[key] += 1
        chunks.append(
            GuidelineChunk(
                id=chunk_id(brand.casefold(), source, section, text, occurrence),
                brand=brand,
                source=source,
                section=section,
                title=title,
                text=text,
                kind=kind,
                page=group.parts[0][1].page,
                position=len(chunks),
                doc_sha=doc_sha,
            )
        )
    return chunks


@dataclass
class _Group:
    """Blocks that become one chunk: ``path`` is the chunk's section; parts may sit deeper."""

    path: tuple[str, ...]
    parts: list[tuple[tuple[str, ...], Block]]

    @property
    def size(self) -> int:
        return len(self.text())

    def text(self) -> str:
        lines: list[str] = []
        shown: tuple[str, ...] = ()
        previous = ""
        for path, block in self.parts:
            if block.kind == "table" and previous == "table":
                lines.append("")  # two tables in a row stay two tables, each with its own header
            previous = block.kind
            below = path[len(self.path) :]
            if below != shown:
                same = 0
                while same < min(len(below), len(shown)) and below[same] == shown[same]:
                    same += 1
                lines += [f"{'#' * (depth + 1)} {below[depth]}" for depth in range(same, len(below))]
                shown = below
            lines.append(block.text)
        return "\n".join(lines).strip()


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _merge_small(groups: list[_Group], min_chars: int, max_chars: int) -> list[_Group]:
    out: list[_Group] = []
    for group in groups:
        last = out[-1] if out else None
        if last is not None and (last.size < min_chars or group.size < min_chars):
            a, b = last.path, group.path
            # a parent and its child, or two siblings: never cousins from two different chapters
            related = a == b[: len(a)] or b == a[: len(b)] or (len(a) == len(b) and a[:-1] == b[:-1])
            same_page = last.parts[-1][1].page == group.parts[0][1].page
            merged = _Group(_common(a, b), last.parts + group.parts)
            if related and same_page and merged.size <= max_chars:
                out[-1] = merged
                continue
        out.append(group)
    return out


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


# --- passages: small sections shown together --------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """What search shows: one chunk, or a small section merged with its siblings or parent. ``section``
    is their common heading path; the headings below it stay in ``text`` as Markdown heading lines."""

    chunks: tuple[GuidelineChunk, ...]
    section: str
    text: str

    @property
    def title(self) -> str:
        return self.chunks[0].title

    def embedding_text(self) -> str:
        topic = self.section or self.title
        return f"{topic}\n{self.text}" if topic else self.text


def passages_of(chunks: list[GuidelineChunk], min_chars: int, max_chars: int) -> list[Passage]:
    """Chunks (in document order) grouped into passages: a chunk shorter than ``min_chars`` joins its
    sibling or parent section of the same document and page while the passage stays within ``max_chars``."""
    out: list[Passage] = []
    by_source: dict[str, list[GuidelineChunk]] = {}
    for chunk in chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    for doc_chunks in by_source.values():
        groups = [
            _Group(_path(c.section), [(_path(c.section), Block("paragraph", c.text, page=c.page))]) for c in doc_chunks
        ]
        members = [[c] for c in doc_chunks]
        merged: list[tuple[_Group, list[GuidelineChunk]]] = []
        for group, chunk_list in zip(groups, members, strict=True):
            if merged:
                joined = _merge_small([merged[-1][0], group], min_chars, max_chars)
                if len(joined) == 1:
                    merged[-1] = (joined[0], merged[-1][1] + chunk_list)
                    continue
            merged.append((group, chunk_list))
        for group, chunk_list in merged:
            out.append(
                Passage(
                    tuple(chunk_list),
                    " > ".join(group.path),
                    group.text() if len(chunk_list) > 1 else chunk_list[0].text,
                )
            )
    return out


def _path(section: str) -> tuple[str, ...]:
    return tuple(p for p in section.split(" > ") if p) if section else ()


# --- units: table rows, list items, sentences ---------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """The smallest piece a rule is read from: a sentence, a list item or a table row."""

    text: str
    chunk: GuidelineChunk
    kind: str  # "sentence", "item", "row"
    header: tuple[str, ...] = ()  # for table rows: the header cells
    cells: tuple[str, ...] = ()
    sub: tuple[str, ...] = ()  # headings inside the chunk's text above the unit (merged small sections)
    lead: str = ""  # the line that introduces a list item ("Do not use:", "Say "died" instead of:")

    @property
    def section(self) -> str:
        return " > ".join(p for p in (self.chunk.section, *self.sub) if p)

    @property
    def path(self) -> str:
        """Title and section: a file titled "Logo" makes its "Placement" section about the logo."""
        return " > ".join(p for p in (self.chunk.title, self.section) if p)

    @property
    def heading(self) -> str:
        """The innermost heading above the unit (the document title when there is no other)."""
        return self.path.rsplit(" > ", 1)[-1]

    def ref(self) -> SourceRef:
        return SourceRef(chunk_id=self.chunk.id, source=self.chunk.source, section=self.section, quote=self.text[:300])


_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(“‘])")
_ITEM = re.compile(r"^\s*(?:[-*+•▪◦–]|\d{1,2}[.)]|[a-z][.)])\s+")


def _is_table_row(line: str) -> bool:
    return " | " in line or line.count("|") >= 2


_HEADING_LINE = re.compile(r"^(#{1,6}) (\S.*)$")


def units_of(chunk: GuidelineChunk) -> Iterator[Unit]:
    header: tuple[str, ...] = ()
    sub: list[str] = []
    lead = ""
    for line in chunk.text.split("\n"):
        if not line.strip():
            header = ()  # a blank line separates two tables: the next row is a header again
            continue
        heading = _HEADING_LINE.match(line)
        if heading:
            sub = [*sub[: len(heading.group(1)) - 1], heading.group(2).strip()]
            header, lead = (), ""
            continue
        if _is_table_row(line):
            raw = line.strip()
            if raw.startswith("|") and raw.endswith("|") and len(raw) > 1:
                raw = raw[1:-1]  # a fully delimited row; a leading "| x" is an empty first cell
            cells = tuple(c.strip() for c in raw.split("|"))
            if not header:
                header = cells
                # A header of code names ("HEX", "RGB") is not a colour itself; still a unit for context.
                if not any(re.search(r"#[0-9A-Fa-f]{3,6}\b|\d{2,}", c) for c in cells):
                    continue
            yield Unit(" | ".join(cells), chunk, "row", header, cells, tuple(sub))
            continue
        header = ()
        if _ITEM.match(line):
            yield Unit(_ITEM.sub("", line).strip(), chunk, "item", sub=tuple(sub), lead=lead)
            continue
        sentences = [s.strip() for s in _SENTENCE.split(line) if s.strip()]
        for sentence in sentences:
            yield Unit(sentence, chunk, "sentence", sub=tuple(sub))
        lead = sentences[-1] if sentences and sentences[-1].endswith(":") else ""


def unit_texts(chunk: GuidelineChunk) -> list[str]:
    """Texts embedded on their own for a chunk of several units, so that one table row or list item
    in a whole table or list can still be found (each keeps the section and, for rows, the header)."""
    units = list(units_of(chunk))
    if len(units) < 2:
        return []
    out = []
    for unit in units:
        if (unit.kind == "sentence" and len(unit.text.split()) < 4) or len(unit.text.split()) < 2:
            # fragments ("Bold.", a code line) say too little alone; a list item of two words ("initiate
            # (use start)", "Red Hat Mono: for code") is often the very entry a question is about
            continue
        body = f"{' | '.join(unit.header)}\n{unit.text}" if unit.kind == "row" and unit.header else unit.text
        topic = " > ".join(p for p in (chunk.topic, *unit.sub) if p)
        out.append(f"{topic}\n{body}" if topic else body)
    return out
