"""Word forms people type that a list of terms misses: words run together and misspellings.

    >>> bool(glued_pattern(["murder", "strip club"]).search("tomurder at the stripclub"))
    True
    >>> Misspellings(["decapitated"], known={"dedicated"}).find("a decapitatd head")
    ('decapitatd', 'decapitated')

* **Run together**: a listed two-word term written as one word ("stripclub", "selfharm"), and a listed
  word of five letters or more glued to a short word before it ("tomurder", "anaked"). Short words
  are left alone: "asex" or "tokill" would also hit ordinary words.
* **Misspelled**: one letter added, dropped, changed or two swapped, in listed words of seven letters
  or more, and only where the prompt's word is not itself an English word (it is checked against the
  word list of ``pyspellchecker``, so "bandage" never reads as "bondage", nor "beakers" as "beaners").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pipeline.words import normalise

# Short words that people run into the next one ("tomurder", "anaked woman", "thenazi flag").
GLUE = ("to", "a", "an", "the", "and", "of", "my", "her", "his", "no", "in", "on", "im", "get", "go", "be")
MIN_GLUED = 5  # letters of a listed word before a glued form is matched
MIN_MISSPELT = 7  # letters of a listed word before its misspellings are matched


def _plain(term: str) -> str | None:
    term = normalise(term)
    return term if re.fullmatch(r"[a-z]+(?:[\s-][a-z]+)?", term) else None


def glued_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Run-together forms of ``terms`` (see the module docstring); None when there are none."""
    joined: set[str] = set()
    glued: set[str] = set()
    for raw in terms:
        term = _plain(str(raw))
        if term is None:
            continue
        words = re.split(r"[\s-]", term)
        if len(words) == 2 and min(len(w) for w in words) >= 3:
            joined.add("".join(words))
        elif len(words) == 1 and len(term) >= MIN_GLUED:
            glued.add(term)
    parts = []
    if joined:
        parts.append("(?:" + "|".join(sorted(joined, key=len, reverse=True)) + ")(?:s|es|'s)?")
    if glued:
        parts.append(
            "(?:" + "|".join(GLUE) + ")(?:" + "|".join(sorted(glued, key=len, reverse=True)) + ")(?:s|es|ed|ing|'s)?"
        )
    if not parts:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one inserted, dropped or changed letter, or two swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class Misspellings:
    """Finds words one edit away from a long listed term, that are not words of their own."""

    def __init__(self, terms: Iterable[str], known: set[str] | frozenset[str] | None = None) -> None:
        self.terms = {t for t in (_plain(str(x)) for x in terms) if t and " " not in t and len(t) >= MIN_MISSPELT}
        self._known = known
        self.index: dict[str, set[str]] = {}
        for term in self.terms:
            for key in _deletions(term) | {term}:
                self.index.setdefault(key, set()).add(term)

    def is_word(self, word: str) -> bool:
        """A real English word (or no word list to tell: then nothing counts as a typo)."""
        known = self._known if self._known is not None else english_words()
        return not known or word in known

    def find(self, text: str) -> tuple[str, str] | None:
        """The first (misspelt word, listed term) in ``text`` (normalised), or None."""
        for word in re.findall(r"[a-z]+", text):
            if len(word) < MIN_MISSPELT - 1 or word in self.terms:
                continue
            candidates: set[str] = set()
            for key in _deletions(word) | {word}:
                candidates |= self.index.get(key, set())
            if not candidates or self.is_word(word):
                continue
            for term in sorted(candidates):
                if within_one_edit(word, term) and not _an_inflection(word, term):
                    return word, term
        return None


def _an_inflection(word: str, term: str) -> bool:
    # "murders" for "murder" is a form, not a typo: the term patterns already match those
    return word in (term + "s", term + "d") or term in (word + "s", word + "d")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """About 160,000 English words (pyspellchecker's frequency list), to tell a real word from a typo.

    Loaded only when a prompt has a word one edit from a listed term (half a second, once)."""
    try:
        from spellchecker import SpellChecker

        return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)
    except (ImportError, OSError, ValueError):  # without a word list, misspellings are not looked for
        return frozenset()
