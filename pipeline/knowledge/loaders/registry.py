"""The document-loader registry: a loader turns one file into structural :class:`Block` s.

Built-in loaders (Markdown, plain text, HTML, DOCX, PDF) register themselves the same way a
user's own loader would, with :func:`register_loader`.

    >>> register_loader([".rst"], my_rst_loader)   # doctest: +SKIP
    >>> blocks = load_document(Path("guide.rst"))   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.errors import DocumentError

BlockKind = Literal["heading", "paragraph", "list", "table", "code"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # heading level, 1 = top
    page: int | None = None


Loader = Callable[[Path], list[Block]]
_LOADERS: dict[str, Loader] = {}


def register_loader(suffixes: Iterable[str], loader: Loader) -> None:
    """Register ``loader`` for file suffixes such as ``".md"``; later registrations win."""
    for suffix in suffixes:
        _LOADERS[suffix.lower()] = loader


def supported_suffixes() -> list[str]:
    return sorted(_LOADERS)


def _specimen(text: str) -> bool:
    words = text.split()
    if len(text.strip()) <= 2:
        return True  # "Aa": a glyph sample
    return len(words) >= 8 and sum(len(w) == 1 or w.lower() in ("aa", "<br>") for w in words) >= 0.7 * len(words)


def load_document(path: Path) -> list[Block]:
    """Blocks of one document, or a :class:`DocumentError` saying what is wrong and how to fix it."""
    if not path.exists():
        raise DocumentError(str(path), "no such file")
    if not path.is_file():
        raise DocumentError(str(path), "is not a file")
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(
            str(path),
            f"unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(supported_suffixes())}",
        )
    try:
        blocks = loader(path)
    except DocumentError:
        raise
    except (OSError, ValueError, KeyError, IndexError) as exc:  # corrupt files surface as these
        raise DocumentError(str(path), f"could not be read ({exc.__class__.__name__}: {exc}); re-export it") from exc
    except RecursionError as exc:  # <div> in <div> a thousand deep: hostile, or a broken export
        raise DocumentError(str(path), "nests its tags, lists or quotes too deeply to read; re-export it") from exc
    # A block without a letter or digit ("#" left by a template loop, a lone bullet) says nothing, and
    # neither does a type specimen ("A B C D E F G ... 0 1 2 3"): both only attract unrelated searches.
    blocks = [b for b in blocks if any(ch.isalnum() for ch in b.text) and not _specimen(b.text)]
    if not any(b.kind != "heading" for b in blocks):
        raise DocumentError(str(path), "has no text to ingest (empty document)")
    return blocks
