"""Word forms for matching rules against text: normalised text, singulars, and whole-word patterns
that also match plurals, possessives and inflections.

    >>> bool(compile_terms(["campfire"]).search("two campfires"))
    True
    >>> singular("open flames")
    'open flame'
"""

from __future__ import annotations

import re
import unicodedata

IRREGULAR = {
    "knife": "knives",
    "man": "men",
    "woman": "women",
    "child": "children",
    "person": "people",
    "wife": "wives",
    "life": "lives",
    "leaf": "leaves",
    "mouse": "mice",
    "tooth": "teeth",
    "foot": "feet",
    "goose": "geese",
    "calf": "calves",
    "half": "halves",
}


def normalise(text: str) -> str:
    """Lower case, plain quotes and hyphens, single spaces: what every rule is matched against."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"[‐-―−]", "-", text)
    return " ".join(text.lower().split())


def _word_pattern(word: str, last: bool) -> str:
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"[\w-]*"
    if not last or not word[-1:].isalpha():
        return re.escape(word)
    forms = {word, word + "s", word + "es", word + "'s", word + "s'"}
    if len(word) >= 4:  # inflections: "cheap" also blocks "cheaper", "murder" also "murderer"
        stem = word[:-1] if word.endswith("e") else word
        forms |= {stem + "ed", stem + "ing", stem + "er", stem + "ers", stem + "est", word + "ly"}
    if re.search(r"[^aeiou]y$", word):
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word[:-1] + "ier", word[:-1] + "iest", word[:-1] + "ily"}
    if word in IRREGULAR:
        forms |= {IRREGULAR[word], IRREGULAR[word] + "'s"}
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


def term_pattern(term: str) -> str:
    """A regex for ``term`` as whole words: spaces and hyphens between words are interchangeable and
    the last word also matches its plural and possessive forms."""
    words = [w for w in re.split(r"[\s-]+", normalise(term)) if w]
    if not words:
        return r"(?!x)x"
    body = r"[\s-]+".join(_word_pattern(w, i == len(words) - 1) for i, w in enumerate(words))
    return rf"(?<![\w]){body}(?![\w])"


def compile_terms(terms: list[str]) -> re.Pattern[str] | None:
    """One alternation for many terms (longest first, so "crack cocaine" wins over "cocaine")."""
    unique = sorted({normalise(str(t)) for t in terms if str(t).strip()}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile("|".join(term_pattern(t) for t in unique))


def singular(phrase: str) -> str:
    """The phrase with its last word in the singular (the matcher adds plurals back)."""
    words = phrase.split()
    if not words:
        return phrase
    last = words[-1]
    reverse = {v: k for k, v in IRREGULAR.items()}
    if last in reverse:
        last = reverse[last]
    elif re.search(r"[^aeiou]ies$", last):
        last = last[:-3] + "y"
    elif re.search(r"(?:ss|x|z|ch|sh)es$", last):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is", "'s")) and len(last) > 3:
        last = last[:-1]
    return " ".join([*words[:-1], last])
