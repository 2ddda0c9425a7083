"""The prompt gate: no prompt reaches the renderer if it asks for something unsafe or off-brand.

    >>> gate = PromptGate.default()
    >>> gate.check("a shot of espresso on a bare wooden table").allowed
    True
    >>> [r.rule for r in gate.check("a glass of red wine", brand=profile).reasons]   # brand: "Never show alcohol"
    ['brand:imagery']

Three kinds of rule, all matched as whole words with plurals and possessives (``data/safety/``):

* safety categories that no brand can switch off: sexual content, minors, gore, weapons aimed at people,
  hate symbols, self-harm, hard drugs; each with ``safe`` phrases of ordinary marketing language
  ("blood orange", "nude lipstick") that are taken out before matching;
* real people: a maintained list of public figures, and any "Given-name Surname" in the prompt, which
  needs a release (the brand lists released names in ``released_people``);
* the brand's own rules: banned words, competitor names and "never show ..." imagery rules, whose
  subjects are widened through a concept list (a rule against alcohol also blocks "a glass of red wine").

Every block names its rule and, for brand rules, the guideline passage it came from. The gate never
edits a prompt: callers that want a cleaned prompt remove the matched words and check again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.errors import UserError
from pipeline.gate.classifier import ClassifierUnavailable, PromptClassifier
from pipeline.gate.semantic import SemanticMatcher, default_matcher
from pipeline.gate.wordforms import Misspellings, glued_pattern
from pipeline.models import (
    BrandProfile,
    BrandRule,
    ClassifierReading,
    GateReason,
    PromptVerdict,
    SourceRef,
)
from pipeline.settings import DATA_DIR
from pipeline.words import compile_terms, normalise, singular, term_pattern

SAFETY_DIR = DATA_DIR / "safety"

# "Elizabeth Street", "Victoria Park": a given name before one of these is a place, not a person.
PLACE_WORDS = set(
    [
        "Street",
        "St",
        "Road",
        "Rd",
        "Avenue",
        "Ave",
        "Lane",
        "Square",
        "Park",
        "Bay",
        "Beach",
        "Hill",
        "Hills",
        "Lake",
        "River",
        "Bridge",
        "Hall",
        "House",
        "Center",
        "Centre",
        "College",
        "University",
        "School",
        "Hospital",
        "Station",
        "Airport",
        "Island",
        "Islands",
        "Tower",
        "Garden",
        "Gardens",
        "Market",
        "Day",
        "Cup",
        "Falls",
        "Harbour",
        "Harbor",
        "Valley",
        "Mountain",
        "Mount",
        "Point",
        "Quay",
        "Court",
        "Place",
        "Gate",
        "Arena",
        "Stadium",
        "Museum",
        "Gallery",
        "Theatre",
        "Theater",
        "Hotel",
        "Cathedral",
        "Church",
        "Chapel",
        "Palace",
        "Castle",
        "Crescent",
        "Terrace",
        "Drive",
        "Way",
        "Close",
        "Row",
        "Wharf",
        "Pier",
        "Dock",
        "Memorial",
        "Prize",
        "Award",
        "Collection",
        "Edition",
        "Series",
        "Line",
        "Blend",
        "Roast",
        "Sauce",
    ]
)

_NUMBERS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
]

UNDER_18 = (
    r"(?<![\w])(?:(?:[1-9]|1[0-7]|" + "|".join(_NUMBERS) + r")[\s-]*(?:years?|yrs?|y/o)[\s-]*olds?"
    r"|aged\s+(?:[1-9]|1[0-7]|" + "|".join(_NUMBERS) + r")|(?:[1-9]|1[0-7])[\s-]*y/?o)(?![\w])"
)

# "a shotgun to a bank teller's head", "a knife against her throat"
TO_HEAD = (
    r"(?<![\w])(?:to|against|at)\s+(?:(?:a|an|the|his|her|their|my|your|someone's)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:[\w-]+'s\s+)?(?:head|throat|temple|neck|face|chest|back)(?![\w])"
)


def sequence_pattern(groups: list[list[str]], gap: int = 3) -> re.Pattern[str]:
    """A term of each group, in order, with at most ``gap`` words between them."""
    alternatives = [
        "(?:" + "|".join(term_pattern(t) for t in sorted({normalise(t) for t in group}, key=len, reverse=True)) + ")"
        for group in groups
    ]
    between = r"(?:[\s,]+[\w'-]+){0," + str(gap) + r"}?[\s,]+"
    return re.compile(between.join(alternatives))


def _mask(text: str, safe: re.Pattern[str] | None) -> str:
    if safe is None:
        return text
    return safe.sub(lambda m: " " * len(m.group(0)), text)


@dataclass
class Category:
    """One safety category of ``terms.yaml``."""

    name: str
    message: str
    terms: re.Pattern[str] | None
    safe: re.Pattern[str] | None
    # combos: every group must match; a group is (terms, the safe phrases to take out first) pairs
    combos: list[list[list[tuple[re.Pattern[str], re.Pattern[str] | None]]]] = field(default_factory=list)
    # sequences: each list's words in this order, at most three words apart ("kicking ... a woman")
    sequences: list[re.Pattern[str]] = field(default_factory=list)
    glued: re.Pattern[str] | None = None  # the terms run together ("tomurder", "stripclub")
    misspelt: Misspellings | None = None  # long terms one typo away ("decapitatd")


MAX_PROMPT_CHARS = 2000

# How the classifier's categories read in a reason.
CATEGORY_WORDS = {
    "sexual": "sexual content",
    "minors": "content that sexualises or endangers minors",
    "violence": "graphic violence",
    "weapons": "weapons used on people",
    "hate": "hateful content",
    "self_harm": "self-harm",
    "drugs": "drug use",
}


def validate_prompt(prompt: object) -> str:
    """``prompt`` when the gate can read it; otherwise a one-line :class:`UserError` saying what is
    wrong: empty, over :data:`MAX_PROMPT_CHARS` characters, not text, or holding control characters.

        >>> validate_prompt("a teal can")
        'a teal can'
    """
    if isinstance(prompt, bytes):
        raise UserError("the prompt is bytes, not text; decode it (UTF-8) before checking it")
    if not isinstance(prompt, str):
        raise UserError(f"the prompt is a {type(prompt).__name__}, not text; give the words of the image to render")
    if not prompt.strip():
        raise UserError("the prompt is empty; give the words of the image to render")
    for i, ch in enumerate(prompt):
        kind = unicodedata.category(ch)
        if "\udc80" <= ch <= "\udcff":  # how Python keeps bytes that were not UTF-8 (binary input)
            raise UserError(f"the prompt is not UTF-8 text (a raw byte at character {i + 1}); give plain text")
        if kind in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r":
            raise UserError(
                f"the prompt holds a control character (U+{ord(ch):04X} at character {i + 1}); "
                "remove it and give plain text"
            )
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(
            f"the prompt is {len(prompt):,} characters long, over the {MAX_PROMPT_CHARS:,} a prompt may have "
            f"('{prompt[:40]}...'); shorten it (a text encoder reads only its first 77 tokens)"
        )
    return prompt


@dataclass
class Match:
    rule: str
    matched: str
    message: str
    source: SourceRef | None = None


class PromptGate:
    """The gate's rules, read once from ``data/safety`` (cheap to build, cached per process), and the
    learned classifier beside them (``classifier=None``: the word lists alone)."""

    def __init__(
        self,
        categories: dict[str, Category],
        figures: dict[str, str],
        given_names: set[str],
        classifier: PromptClassifier | None = None,
        matcher: SemanticMatcher | None = None,
    ) -> None:
        self.categories = categories
        self.figures = figures  # alias (normalised) -> canonical name
        self.figure_pattern = compile_terms(list(figures))
        self.given_names = given_names
        self.classifier = classifier
        self.matcher = matcher  # brand imagery rules by meaning; None: by their words only

    @classmethod
    def default(cls) -> PromptGate:
        return _default_gate()

    @classmethod
    def lists_only(cls) -> PromptGate:
        """The word lists and brand words alone, without the classifier or semantic brand matching."""
        return _lists_gate()

    @classmethod
    def from_folder(
        cls, folder: Path, classifier: PromptClassifier | None = None, matcher: SemanticMatcher | None = None
    ) -> PromptGate:
        data = yaml.safe_load((folder / "terms.yaml").read_text(encoding="utf-8")) or {}
        categories = {
            name: Category(
                name=name,
                message=str(spec.get("message", name)),
                terms=compile_terms(spec.get("terms", [])),
                safe=compile_terms(spec.get("safe", [])),
                glued=glued_pattern(spec.get("terms", [])),
                misspelt=Misspellings(spec.get("terms", [])) if spec.get("terms") else None,
            )
            for name, spec in data.items()
        }
        for name, spec in data.items():
            cat = categories[name]
            for combo in spec.get("combos", []):
                groups = []
                for group in combo:
                    words = compile_terms([str(t) for t in group if not str(t).startswith(("@", "#"))])
                    pairs = [(words, cat.safe)] if words is not None else []
                    if "#age" in group:
                        pairs.append((re.compile(UNDER_18), cat.safe))
                    if "#to_head" in group:
                        pairs.append((re.compile(TO_HEAD), cat.safe))
                    for ref in (str(t)[1:] for t in group if str(t).startswith("@")):
                        other = categories[ref]
                        if other.terms is not None:
                            pairs.append((other.terms, other.safe))
                    groups.append(pairs)
                cat.combos.append(groups)
            for sequence in spec.get("sequences", []):
                cat.sequences.append(sequence_pattern([[str(t) for t in group] for group in sequence]))
        figures: dict[str, str] = {}
        for line in (folder / "public_figures.txt").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                names = [n.strip() for n in line.split("|") if n.strip()]
                for alias in names:
                    figures[normalise(alias)] = names[0]
        given = set()
        for line in (folder / "given_names.txt").read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                given.update(line.split())
        return cls(categories, figures, given, classifier, matcher)

    # --- checking ---------------------------------------------------------------------------

    def check(self, prompt: str, brand: BrandProfile | None = None) -> PromptVerdict:
        """Every rule the prompt breaks; ``allowed`` only when there is none. A prompt the gate cannot
        read (empty, too long, binary, control characters) is a :class:`UserError`."""
        validate_prompt(prompt)
        text = normalise(prompt)
        found: list[Match] = []
        found += self._safety(text)
        found += self._people(prompt, text, brand)
        if brand is not None:
            found += brand_matches(text, brand, self.matcher)
        reasons = [GateReason(rule=m.rule, matched=m.matched, message=m.message, source=m.source) for m in found]
        flags: list[GateReason] = []
        reading = None
        if self.classifier is not None:
            listed = any(m.rule.startswith("safety:") for m in found)
            reading, blocked, flagged = self._classify(prompt, listed)
            reasons += blocked
            flags += flagged
        return PromptVerdict(prompt=prompt, allowed=not reasons, reasons=reasons, flags=flags, classifier=reading)

    def _classify(self, prompt: str, listed: bool) -> tuple[ClassifierReading, list[GateReason], list[GateReason]]:
        """The classifier's reading, as a block (when the lists did not already block it), a flag for
        review, or a flag that it is unavailable: the gate never passes a prompt silently without it."""
        assert self.classifier is not None
        try:
            r = self.classifier.read(prompt)
        except ClassifierUnavailable as exc:
            note = str(exc)
            flag = GateReason(
                rule="safety:classifier",
                matched="",
                message=f"classifier unavailable: checked by the word lists only, a person must look ({note})",
            )
            return ClassifierReading(status="unavailable", note=note), [], [flag]
        stage = "quick" if r.stage == "quick" else "full"
        reading = ClassifierReading(status="ok", score=round(r.score, 4), category=r.category, stage=stage)
        what = CATEGORY_WORDS.get(r.category, r.category)
        if r.blocks and not listed:
            message = (
                f"blocked: the prompt classifier reads this as {what} "
                f"(score {r.score:.2f}, blocks from {r.block:.2f}; nearest category {r.category})"
            )
            return reading, [GateReason(rule="safety:classifier", matched=r.category, message=message)], []
        if r.flags and not listed:
            message = (
                f"review: the prompt classifier is unsure whether this asks for {what} "
                f"(score {r.score:.2f}, between {r.review:.2f} and {r.block:.2f}); a person must look"
            )
            return reading, [], [GateReason(rule="safety:classifier", matched=r.category, message=message)]
        return reading, [], []

    def _safety(self, text: str) -> list[Match]:
        out = []
        # each category's safe phrases are taken out once per prompt, also for combos that refer to it
        masks: dict[int, str] = {}

        def masked_by(safe: re.Pattern[str] | None) -> str:
            if id(safe) not in masks:
                masks[id(safe)] = _mask(text, safe)
            return masks[id(safe)]

        for cat in self.categories.values():
            if cat.name == "people":  # only safe phrases: used by the people rules
                continue
            masked = masked_by(cat.safe)
            hit = cat.terms.search(masked) if cat.terms is not None else None
            if hit is None and cat.glued is not None:
                hit = cat.glued.search(masked)
            for sequence in cat.sequences if hit is None else []:
                hit = sequence.search(masked) or hit
            if hit:
                out.append(Match(f"safety:{cat.name}", hit.group(0), f"blocked: {cat.message} ('{hit.group(0)}')"))
                continue
            typo = cat.misspelt.find(masked) if cat.misspelt is not None else None
            if typo:
                word, term = typo
                out.append(Match(f"safety:{cat.name}", word, f"blocked: {cat.message} ('{word}', read as '{term}')"))
                continue
            for groups in cat.combos:
                hits = []
                for pairs in groups:
                    group_hit = None
                    for pattern, safe in pairs:  # a referenced category keeps its own safe phrases out
                        group_hit = pattern.search(masked_by(safe))
                        if group_hit:
                            break
                    if group_hit is None:
                        break
                    hits.append(group_hit.group(0))
                else:
                    words = " + ".join(dict.fromkeys(hits))
                    out.append(Match(f"safety:{cat.name}", words, f"blocked: {cat.message} ('{words}')"))
                    break
        return out

    def _people(self, original: str, text: str, brand: BrandProfile | None) -> list[Match]:
        released = {normalise(n) for n in (brand.released_people if brand else [])}
        own = {normalise(brand.name)} if brand else set()
        out: list[Match] = []
        seen: set[str] = set()
        people = self.categories.get("people")
        not_names = [m.group(0) for m in people.safe.finditer(text)] if people and people.safe else []
        text = _mask(text, people.safe if people else None)  # "King Charles spaniel" is a dog
        if self.figure_pattern is not None:
            for hit in self.figure_pattern.finditer(text):
                alias = normalise(re.sub(r"'s?$", "", hit.group(0)))
                name = self.figures.get(alias, hit.group(0))
                if normalise(name) in released or alias in released or name in seen:
                    continue
                seen.add(name)
                out.append(
                    Match(
                        "people:public_figure",
                        hit.group(0),
                        f"blocked: names a real public figure ({name}); onbrand never renders real people by name",
                    )
                )
        for hit in re.finditer(r"\b([A-Z][a-z]+)\s+((?:Mc|Mac|O')?[A-Z][a-z'’-]+)\b", original):
            first, last = hit.group(1), hit.group(2)
            full = normalise(hit.group(0))
            if first not in self.given_names or last in PLACE_WORDS or full in released or full in own:
                continue
            if any(full in normalise(n) for n in seen) or any(full in n for n in not_names):
                continue
            seen.add(full)
            out.append(
                Match(
                    "people:release",
                    hit.group(0),
                    f"blocked: '{hit.group(0)}' reads as a real person's name; it needs a release "
                    "(add the name to the brand override's released_people)",
                )
            )
        return out


@lru_cache(maxsize=1)
def _default_gate() -> PromptGate:
    return PromptGate.from_folder(SAFETY_DIR, classifier=PromptClassifier.default(), matcher=default_matcher())


@lru_cache(maxsize=1)
def _lists_gate() -> PromptGate:
    return PromptGate.from_folder(SAFETY_DIR)


@dataclass
class Concepts:
    """``concepts.yaml``: what a "never show X" rule widens to, and the phrases that never count."""

    keys: list[tuple[list[str], list[str]]]  # (synonyms, terms)
    safe: re.Pattern[str] | None


@lru_cache(maxsize=1)
def load_concepts() -> Concepts:
    data = yaml.safe_load((SAFETY_DIR / "concepts.yaml").read_text(encoding="utf-8")) or {}
    safe = compile_terms([str(t) for t in data.pop("safe", [])])
    keys = [([normalise(k) for k in str(key).split("|")], [str(t) for t in terms]) for key, terms in data.items()]
    return Concepts(keys, safe)


_NEVER = re.compile(
    r"^\W*(?:never|don'?t|do not|avoid|no|must not|should not|not)\s+"
    r"(?:show|use|depict|feature|include|picture|photograph|display|put|place|let)?\s*(?:any\s+)?(.+)$",
    re.I,
)

# A rule about what appears in the picture, as opposed to how it is made ("never retouch the
# product", "never use stock photography of beaches"): only these block words in prompts.
_SHOWS = re.compile(
    r"\b(?:show|shows|showing|shown|depict\w*|feature|featuring|featured|picture|pictured|include|including|"
    r"appear\w*|visible|photographed|in (?:the )?(?:frame|shot|picture|image|background)|no\s+\w+|"
    r"avoid\s+(?!using\b|use\b|making\b)\w+)\b"
)


def rule_subjects(rule: BrandRule) -> list[str]:
    """What a "never show ..." rule bans from the picture: its extracted subjects (or read from its
    text when an override file gave only the sentence), singular. Each listed subject is banned on its
    own ("open flames or campfires" bans every campfire); only a material carries over a list ("no
    plastic bottles, cups or straws" bans plastic cups, not every cup)."""
    text = normalise(rule.text)
    m = _NEVER.match(text)
    # An item of a "Never" list names what must not be shown ("Fireworks", "Alcohol or cocktails").
    listed = rule.polarity == "dont" and bool(rule.subjects) and not m and text.startswith(normalise(rule.subjects[0]))
    if (rule.polarity != "dont" and not m) or not (_SHOWS.search(text) or listed):
        return []
    subjects = rule.subjects
    if not subjects:
        from pipeline.brand.rules import imagery_subjects  # the same reading the extractor applies

        subjects = imagery_subjects(m.group(1) if m else text)
    return _distribute([normalise(s) for s in subjects])


# Materials and owners describe every noun of a list ("no plastic bottles, cups or straws", "competitors'
# products, cans or packaging"); any other modifier belongs to its own noun only, and carrying it over
# would narrow the ban on the rest ("open flames or campfires" must not become "open campfires").
_MATERIALS = frozenset(
    [
        "plastic",
        "paper",
        "glass",
        "metal",
        "aluminium",
        "aluminum",
        "styrofoam",
        "polystyrene",
        "foam",
        "wooden",
        "wood",
        "cardboard",
        "disposable",
        "single-use",
        "leather",
        "fur",
        "vinyl",
        "rubber",
    ]
)


def _distribute(subjects: list[str]) -> list[str]:
    if not subjects:
        return []
    first = subjects[0].split()
    modifier = first[:-1]
    shared = modifier and all(w in _MATERIALS or w.endswith(("'s", "s'")) for w in modifier)
    carry = " ".join(modifier) if shared else ""
    out = [subjects[0]]
    for subject in subjects[1:]:
        out.append(f"{carry} {subject}" if carry and " " not in subject else subject)
    return list(dict.fromkeys(singular(s) for s in out))


def concept_terms(subject: str, concepts: Concepts) -> list[str]:
    """The subject and every concept it names: "alcoholic drinks" -> the alcohol list and the subject."""
    subject = normalise(subject)
    terms = [subject]
    words = re.findall(r"[\w-]+", subject)
    for synonyms, listed in concepts.keys:
        for key in synonyms:
            if re.search(term_pattern(singular(key)), subject) or (
                " " not in key and len(key) >= 5 and any(w.startswith(key) for w in words)
            ):
                terms += listed
                break
    return terms


@dataclass(frozen=True)
class BrandCheck:
    """One brand rule, compiled: its words (with the concepts an imagery rule widens to) and, for
    imagery rules, the subjects a prompt phrase is compared with by lemma and by meaning."""

    rule: str
    pattern: re.Pattern[str]
    label: str
    source: SourceRef | None
    subjects: tuple[str, ...] = ()


@lru_cache(maxsize=32)
def _brand_rules_cached(profile_json: str) -> tuple[BrandCheck, ...]:
    return tuple(_brand_compiled(BrandProfile.model_validate_json(profile_json), load_concepts()))


def _brand_compiled(brand: BrandProfile, concepts: Concepts) -> list[BrandCheck]:
    rules: list[BrandCheck] = []
    for term in brand.banned_terms:
        pattern = compile_terms([term.term])
        if pattern is None:
            continue
        kind = {"banned": "banned_term", "competitor": "competitor", "claim": "claim"}[term.kind]
        label = {"banned_term": "a banned word", "competitor": "a competitor", "claim": "a banned claim"}[kind]
        rules.append(BrandCheck(f"brand:{kind}", pattern, f"{label} of {brand.name} ('{term.term}')", term.source))
    for rule in brand.imagery_rules:
        terms: list[str] = []
        subjects = rule_subjects(rule)
        for subject in subjects:
            terms += concept_terms(subject, concepts)
        pattern = compile_terms(terms)
        if pattern is not None:
            about = ", ".join(subjects)
            label = f'{brand.name} rule "{rule.text}" ({about})'
            rules.append(BrandCheck("brand:imagery", pattern, label, rule.source, tuple(subjects)))
    return rules


def _where(source: SourceRef | None) -> str:
    if source is None:
        return ""
    place = " > ".join(p for p in (source.source, source.section) if p)
    return f"; from {place}" + (f': "{source.quote}"' if source.quote else "")


def brand_matches(text: str, brand: BrandProfile, matcher: SemanticMatcher | None = None) -> list[Match]:
    """The brand's banned words, competitors and imagery rules that ``text`` (normalised) breaks.

    Imagery rules match their words and concepts; with a ``matcher`` also a prompt phrase whose lemmas
    are a subject's, or whose meaning is close to it (MiniLM similarity over the calibrated threshold)."""
    out: list[Match] = []
    masked = _mask(text, load_concepts().safe)
    for check in _brand_rules_cached(brand.model_dump_json()):
        hit = check.pattern.search(masked)
        if hit:
            message = f"blocked: '{hit.group(0)}' breaks {check.label}{_where(check.source)}"
            out.append(Match(check.rule, hit.group(0), message, check.source))
            continue
        if matcher is None or not check.subjects:
            continue
        near = matcher.best(masked, list(check.subjects))
        if near is None:
            continue
        how = (
            f"a form of '{near.subject}'"
            if near.how == "lemma"
            else f"close in meaning to '{near.subject}' (similarity {near.similarity:.2f})"
        )
        message = f"blocked: '{near.phrase}' is {how} and breaks {check.label}{_where(check.source)}"
        out.append(Match(check.rule, near.phrase, message, check.source))
    return out


def check_prompt(prompt: str, brand: BrandProfile | None = None) -> PromptVerdict:
    """The default gate on one prompt (see :class:`PromptGate`)."""
    return PromptGate.default().check(prompt, brand)
