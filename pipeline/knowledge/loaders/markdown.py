"""Markdown (CommonMark plus tables), with inline HTML blocks read by the HTML loader."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.knowledge.loaders.html import html_to_blocks
from pipeline.knowledge.loaders.registry import Block
from pipeline.knowledge.loaders.text import BULLET, clean_inline, read_text_file, table_row


def load_markdown(path: Path) -> list[Block]:
    from markdown_it import MarkdownIt

    source = read_text_file(path)
    source = re.sub(r"\A---\n.*?\n---\n", "", source, flags=re.S)  # YAML front matter
    lines = source.split("\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0 or tok.nesting == -1:
            i += 1
            continue
        span = "\n".join(lines[tok.map[0] : tok.map[1]]) if tok.map else ""
        if tok.type == "heading_open":
            blocks.append(Block("heading", clean_inline(tokens[i + 1].content), level=int(tok.tag[1])))
        elif tok.type == "paragraph_open":
            blocks.append(Block("paragraph", clean_inline(" ".join(tokens[i + 1].content.split("\n")))))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            items: list[str] = []
            for raw in span.split("\n"):
                if not raw.strip():
                    continue
                if BULLET.match(raw) or not items:
                    indent = (len(raw) - len(raw.lstrip())) // 2
                    items.append("  " * min(indent, 3) + clean_inline(raw))
                else:  # a wrapped line continues the item above
                    items[-1] += " " + clean_inline(raw)
            blocks.append(Block("list", "\n".join(items)))
        elif tok.type == "table_open":
            rows = [table_row(x) for x in span.split("\n") if x.strip() and not re.fullmatch(r"[\s|:\-]+", x)]
            blocks.append(Block("table", "\n".join(rows)))
        elif tok.type == "blockquote_open":
            text = " ".join(clean_inline(x.lstrip("> ")) for x in span.split("\n") if x.strip())
            blocks.append(Block("paragraph", text))
        elif tok.type in ("fence", "code_block"):
            blocks.append(Block("code", tok.content.strip()))
        elif tok.type == "html_block":
            blocks.extend(html_to_blocks(tok.content))
        # skip to the matching close token
        if tok.nesting == 1:
            depth = 1
            i += 1
            while i < len(tokens) and depth:
                depth += tokens[i].nesting if tokens[i].level == 0 else 0
                i += 1
        else:
            i += 1
    return blocks
