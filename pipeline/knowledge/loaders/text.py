"""Plain text, and the text helpers every loader shares: inline clean-up, headings, lists, tables."""

from __future__ import annotations

import html
import re
from pathlib import Path

from pipeline.errors import DocumentError
from pipeline.knowledge.loaders.registry import Block, BlockKind

WS = re.compile(r"[ \t\u00a0]+")


def clean_inline(text: str) -> str:
    """Strip Markdown inline markup and squeeze spaces: what a reader sees, not the syntax.

    Single emphasis (``_start_``, ``*Canceling*``) is kept: in style guides it marks the very word a
    rule is about ("use _start_", "write *Canceling*, not *Cancelling*"), and people quote it as written.
    """
    if "&" in text:
        text = html.unescape(text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images -> alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> label
    text = re.sub(r"\{:?\s*[.#][\w.#:-]*(?:\s+[.#][\w.#:-]*)*\s*\}", "", text)  # kramdown {.usa-button}
    if "<" in text:  # inline HTML and JSX in Markdown: its text, not its tags
        text = _INLINE_TAG.sub(" ", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = text.replace("`", "")
    return WS.sub(" ", text).strip()


_INLINE_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s+[^<>]*?)?/?>")


def read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            str(path), f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8"
        ) from exc


BULLET = re.compile(r"^\s*(?:[-*+•▪◦–]|\d{1,2}[.)]|[a-z][.)])\s+\S")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Za-z].{0,70})$")


def _heading_level(line: str) -> int:
    """0 if ``line`` (a line standing alone) does not look like a heading in plain text."""
    text = line.strip()
    if not text or len(text) > 80 or text.endswith((".", ",", ";")):
        return 0
    numbered = _NUMBERED_HEADING.match(text)
    if numbered:
        return numbered.group(1).count(".") + 1
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return 1
    if text.endswith(":") and len(text) < 50 and len(text.split()) <= 6:
        return 3
    return 0


def text_to_blocks(text: str, page: int | None = None) -> list[Block]:
    """Heuristic structure for text without markup: headings, bullet lists, paragraphs, tables."""
    groups: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        # Setext-style underlines (==== or ----) turn the previous line into a heading.
        if re.fullmatch(r"\s*(={3,}|-{3,})\s*", line) and groups[-1]:
            title = groups[-1].pop()
            if groups[-1]:
                groups.append([])
            groups[-1].append(("#" if line.strip()[0] == "=" else "##") + "\x00" + title)
            groups.append([])
        elif not line.strip():
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(line.rstrip())
    blocks: list[Block] = []
    for group in groups:
        _group_to_blocks(group, page, blocks)
    return blocks


def _is_numbered(line: str) -> bool:
    return bool(re.match(r"^\s*\d{1,2}[.)]\s", line))


def _group_to_blocks(group: list[str], page: int | None, out: list[Block]) -> None:
    """One blank-line-separated group of lines -> heading / table / list / paragraph blocks."""
    pending: list[str] = []
    kind: BlockKind = "paragraph"

    def flush() -> None:
        nonlocal pending, kind
        if pending:
            text = join_lines(pending) if kind == "paragraph" else "\n".join(pending)
            out.append(Block(kind, text, page=page))
        pending, kind = [], "paragraph"

    for idx, line in enumerate(group):
        if "\x00" in line:
            flush()
            marks, title = line.split("\x00", 1)
            out.append(Block("heading", clean_inline(title), level=len(marks), page=page))
            continue
        level = _heading_level(line)
        letters = [c for c in line if c.isalpha()]
        all_caps = len(letters) >= 3 and all(c.isupper() for c in letters)
        nxt = group[idx + 1] if idx + 1 < len(group) else ""
        # "3. COLOUR" is a heading; "1. Use the logo" followed by "2. ..." is a list.
        list_like = _is_numbered(line) and _is_numbered(nxt) and not all_caps
        if level and (idx == 0 or all_caps) and not list_like:
            flush()
            match = _NUMBERED_HEADING.match(line.strip())
            title = match.group(2) if match else line.strip()
            out.append(Block("heading", clean_inline(title.rstrip(":")), level=level, page=page))
            continue
        if line.count("|") >= 2 or line.count("\t") >= 2:
            if kind != "table":
                flush()
                kind = "table"
            if not re.fullmatch(r"[\s|:\-+]+", line):
                pending.append(table_row(line))
            continue
        if BULLET.match(line):
            if kind != "list":
                flush()
                kind = "list"
            pending.append(clean_inline(line))
            continue
        if kind == "list" and line.startswith((" ", "\t")) and pending:
            pending[-1] += " " + clean_inline(line)
            continue
        if kind != "paragraph":
            flush()
        pending.append(line.strip())
    flush()


def table_row(line: str) -> str:
    cells = re.split(r"\s*\|\s*|\t+", line.strip().strip("|"))
    return " | ".join(clean_inline(c) for c in cells)


def join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip()
        joined_word = text.endswith("-") and line[:1].islower()  # "hyphen-\nated" -> "hyphenated"
        text = text[:-1] + line if joined_word else (f"{text} {line}" if text else line)
    return clean_inline(text)


def load_text(path: Path) -> list[Block]:
    return text_to_blocks(read_text_file(path))
