"""The deterministic chat router: the agent's request handling when no LLM is configured.

    >>> route("make two story drafts for the spring brief", context)      # doctest: +SKIP
    Route(tool='run_campaign', args={'brief': 'spring-citrus-launch', 'channel': 'instagram_story', 'count': 2})

Two parts, both general:

* **Slots** are read from the request with patterns: a quoted or colon-introduced prompt, a draft
  id (a token with a digit and a dash or slash), the brief (the known brief whose name words the
  request mentions most), the channel (its name, label or aliases from ``channels.yaml``), a count
  ("two", "a dozen", "5"), a brand name, a note or reason.
* **The tool** is the one whose example requests (``data/agents/tool_examples.yaml``) are closest to
  the request in MiniLM space, nudged by word cues (verbs like render/approve, "don't render",
  "status") and constrained by the slots found (an approve needs a draft id; a brief narrows the
  choice to planning, running or status).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from pipeline.models import ChannelSpec
from pipeline.settings import DATA_DIR

NUMBER_WORDS = {
    "a single": 1,
    "single": 1,
    "two": 2,
    "a pair of": 2,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "half a dozen": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a dozen": 12,
    "dozen": 12,
    "fifteen": 15,
    "sixteen": 16,
    "twenty": 20,
    "fifty": 50,
    "a hundred": 100,
    "hundred": 100,
}
# Word cues per tool: a match adds CUE_WEIGHT to the tool's similarity.
CUES = {
    "search_guidelines": (
        r"\b(guidelines?|rules?|allowed|may|can we|are we|should|supposed|minimum|maximum|how (much|small|big)"
        r"|which fonts?|tone|what does|say about)\b"
    ),
    "brand_profile": (
        r"\b(profile|palette|banned words?|brand kit|overview|rundown|summary|summari[sz]e|hex codes?"
        r"|as a whole|all of it)\b"
    ),
    "check_prompt": r"\b(prompt|on-brand|pass|safety check|ok to use|okay to use|allowed)\b",
    "plan_brief": (
        r"\b(plan|planning|prompts|preview|sketch|outline)\b"
        r"|don'?t render|without render|no images|not render|before render|no render"
    ),
    "run_campaign": r"\b(make|render|generate[ds]?|produce|run|kick off|spin up|whip up|mock up|create)\b",
    "review_status": r"\b(status|waiting|queue|approved|rejected|pending|decided|so far|review(ed)?|how many)\b",
    "approve": r"\b(approve|sign off|greenlight|go ahead and approve)\b",
    "reject": r"\b(reject|decline|turn down|bin it)\b",
}
CUE_WEIGHT = 0.12
# Saying "plan" or "don't render" decides between planning and running, whatever else is shared.
CUE_WEIGHTS = {"plan_brief": 0.25}
BRIEF_TOOLS = ("plan_brief", "run_campaign", "review_status")
STOP = {"the", "a", "an", "for", "of", "and", "brief", "campaign", "one", "launch", "on", "to"}


class Route(BaseModel):
    """The tool picked for a request, its arguments, and the runner-up scores (for debugging)."""

    model_config = ConfigDict(extra="forbid")

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)  # required arguments the request did not give
    scores: dict[str, float] = Field(default_factory=dict)


class RouterContext(BaseModel):
    """What the router can resolve names against: briefs, channels and brands."""

    model_config = ConfigDict(extra="forbid")

    briefs: dict[str, str]  # brief name -> campaign name
    channels: dict[str, ChannelSpec]
    brands: list[str] = Field(default_factory=list)


# --- slots ------------------------------------------------------------------------------------


QUOTED = re.compile(r"\"([^\"]{6,})\"|“([^”]{6,})”|(?<![A-Za-z])'([^']{6,}\s[^']{2,})'(?![A-Za-z])")
DRAFT_ID = re.compile(r"(?<![\w/-])([A-Za-z0-9][A-Za-z0-9_]*(?:[-/][A-Za-z0-9_]+)+)(?![\w/-])")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def extract_prompt(text: str) -> tuple[str | None, str]:
    """The prompt a request quotes (or gives after "prompt:"), and the request without it."""
    quoted = [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]
    if quoted:
        best = max(quoted, key=len)
        return best.strip(), text.replace(best, " ")
    m = re.search(r"\bprompt\b[^:\n]{0,30}:\s*(.{6,})$", text, re.IGNORECASE) or re.search(
        r"\b(?:check|is|would)\b[^:\n]{0,40}:\s*(.{6,})$", text, re.IGNORECASE
    )
    if m:
        return m.group(1).strip().rstrip("?").strip(), text[: m.start(1)]
    return None, text


def extract_draft_id(text: str) -> str | None:
    for m in DRAFT_ID.finditer(text):
        token = m.group(1)
        if any(ch.isdigit() for ch in token) and not re.fullmatch(r"\d+[-/]\d+", token):
            return token
    return None


def extract_count(text: str) -> int | None:
    lowered = text.lower()
    digits = re.search(r"(?<![\w.:/-])(\d{1,4})(?![\w.:/%-])(?!\s*(?:ml|mm|cm|px|%|x\d|:\d))", lowered)
    if digits:
        return int(digits.group(1))
    best: tuple[int, int] | None = None
    for phrase, value in NUMBER_WORDS.items():
        m = re.search(rf"\b{phrase}\b", lowered)
        if m and (best is None or m.start() < best[0] or (m.start() == best[0] and value > best[1])):
            best = (m.start(), value)
    return best[1] if best else None


def extract_channel(text: str, channels: dict[str, ChannelSpec]) -> str | None:
    """The channel whose name, label or alias the request uses (the longest match wins)."""
    lowered = " " + " ".join(_words(text.replace("_", " "))) + " "
    best: tuple[int, str] | None = None
    for name, spec in channels.items():
        phrases = [name.replace("_", " "), *(a.lower() for a in spec.aliases)]
        if spec.label:
            phrases.append(" ".join(_words(spec.label)))
        for phrase in phrases:
            words = _words(phrase)
            if not words:
                continue
            variants = {" ".join(words), " ".join([*words[:-1], words[-1] + "s"])}
            for v in variants:
                if f" {v} " in lowered and (best is None or len(v) > best[0]):
                    best = (len(v), name)
    return best[1] if best else None


BRIEF_PATH = re.compile(
    # segments joined by exactly one separator: an optional separator per segment backtracks exponentially
    r"(?<![\w/~.-])((?:~|\.{1,2})?[/\\]?(?:[\w.@+-]+[/\\])*[\w.@+-]+\.ya?ml)(?![\w/-])",
    re.IGNORECASE,
)


def extract_brief_path(text: str) -> str | None:
    """A brief given as a path to its YAML file ("plan the campaign in path/to/brief.yaml")."""
    m = BRIEF_PATH.search(text.replace("`", " "))
    return m.group(1).strip("'\"") if m else None


def extract_brief(text: str, briefs: dict[str, str]) -> str | None:
    """The known brief whose name words the request mentions most (at least one distinctive word)."""
    said = {_stem(w) for w in _words(text)}
    scored = []
    for name, campaign in briefs.items():
        words = {_stem(w) for w in _words(f"{name} {campaign}")} - STOP
        hits = len(words & said)
        if hits:
            scored.append((hits, -len(words), name))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][:2] == scored[1][:2]:
        return None  # two briefs fit equally: better to ask than to guess
    return scored[0][2]


def extract_after(text: str, markers: str) -> str | None:
    m = re.search(rf"(?:{markers})\s*[:\-]?\s*[\"“']?(.+?)[\"”']?\s*[.!]?$", text, re.IGNORECASE)
    return m.group(1).strip() if m else None


# --- the tool -----------------------------------------------------------------------------------


@cache
def tool_examples(path: Path | None = None) -> dict[str, list[str]]:
    data = yaml.safe_load((path or DATA_DIR / "agents" / "tool_examples.yaml").read_text(encoding="utf-8"))
    return {str(k): [str(x) for x in v] for k, v in data.items()}


_VECTORS: dict[str, tuple[list[str], np.ndarray]] = {}


def _example_vectors(embedder: Any) -> tuple[list[str], np.ndarray]:
    key = getattr(embedder, "model_name", "default")
    if key not in _VECTORS:
        labels, texts = [], []
        for tool, examples in tool_examples().items():
            labels += [tool] * len(examples)
            texts += examples
        _VECTORS[key] = (labels, np.asarray(embedder.embed_documents(texts)))
    return _VECTORS[key]


def similarity(request: str, embedder: Any) -> dict[str, float]:
    """Each tool's score: the mean of its two closest examples' cosine similarity to the request."""
    labels, vectors = _example_vectors(embedder)
    sims = vectors @ np.asarray(embedder.embed_query(request))
    out: dict[str, list[float]] = {}
    for label, sim in zip(labels, sims, strict=True):
        out.setdefault(label, []).append(float(sim))
    return {tool: float(np.mean(sorted(v, reverse=True)[:2])) for tool, v in out.items()}


REQUIRED = {
    "check_prompt": ["prompt"],
    "plan_brief": ["brief"],
    "run_campaign": ["brief"],
    "approve": ["draft_id"],
    "reject": ["draft_id", "reason"],
}


def route(request: str, context: RouterContext, embedder: Any) -> Route:
    """Pick the tool for ``request`` and fill its arguments from the request."""
    text = " ".join(request.split())
    prompt, rest = extract_prompt(text)
    path = extract_brief_path(rest)
    if path:
        rest = rest.replace(path, " ")
    draft_id = extract_draft_id(rest)
    without_id = rest.replace(draft_id, " ") if draft_id else rest
    brief = path or extract_brief(without_id, context.briefs)
    channel = extract_channel(without_id, context.channels)
    count = extract_count(without_id)
    brand = next((b for b in context.brands if re.search(rf"\b{re.escape(b)}\b", text, re.IGNORECASE)), None)

    scores = similarity(text, embedder)
    lowered = without_id.lower()
    for tool, cue in CUES.items():
        if re.search(cue, lowered):
            scores[tool] = scores.get(tool, 0.0) + CUE_WEIGHTS.get(tool, CUE_WEIGHT)
    allowed = set(scores)
    if draft_id is None:
        # "approve everything" is still an approve (answered by asking which draft), but a question
        # about approved drafts is not: the imperative verb has to be there.
        for verb in ("approve", "reject"):
            if not re.search(CUES[verb], lowered):
                allowed.discard(verb)
    if prompt is None:
        allowed -= {"check_prompt"}
    if brief is not None:
        allowed &= set(BRIEF_TOOLS)
    if draft_id is not None and re.search(CUES["approve"] + "|" + CUES["reject"], lowered):
        allowed &= {"approve", "reject"}
    tool = max(allowed or scores, key=lambda t: scores[t])

    args: dict[str, Any] = {}
    if tool == "search_guidelines":
        args["query"] = text
    elif tool == "check_prompt":
        args["prompt"] = prompt
    elif tool in ("plan_brief", "run_campaign"):
        args.update({k: v for k, v in (("brief", brief), ("channel", channel), ("count", count)) if v is not None})
    elif tool == "review_status" and brief is not None:
        args["campaign"] = context.briefs.get(brief, brief)
    elif tool == "approve":
        args["draft_id"] = draft_id
        note = extract_after(without_id, r"\bnote\b|\bwith the note\b|\bcomment\b")
        if prompt and re.search(r"\b(note|comment)\b", text, re.IGNORECASE):
            note = prompt  # a quoted note
        if note:
            args["note"] = note
    elif tool == "reject":
        args["draft_id"] = draft_id
        reason = extract_after(without_id, r"\bbecause\b|\breason\b|\s-\s")
        if prompt and not reason:
            reason = prompt  # a quoted reason
        if reason:
            args["reason"] = reason
    if brand and tool in ("search_guidelines", "brand_profile", "check_prompt"):
        args["brand"] = brand
    missing = [k for k in REQUIRED.get(tool, []) if not args.get(k)]
    return Route(tool=tool, args=args, missing=missing, scores={k: round(v, 3) for k, v in scores.items()})
