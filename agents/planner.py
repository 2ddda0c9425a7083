"""Brief + brand -> :class:`CampaignPlan`: a prompt, negative prompt, seed and layout per channel x draft.

    >>> request = PlanRequest.build(brief, profile, passages, channels)  # doctest: +SKIP
    >>> plan = plan_campaign(request)                                     # template planner, offline
    >>> plan.drafts[0].prompt
    'a teal can on a white backdrop, Citrus & Sea Fennel, 330 ml can, ...'

Two planners share one interface (:class:`Planner`): :class:`TemplatePlanner` (deterministic, the
offline default) and :class:`agents.llm.LLMPlanner`. Both only propose :class:`DraftIdea` s (the
creative part: what the picture shows and how it is composed); :func:`assemble` turns ideas into
plans the same way for both: render sizes at the channel's aspect, stable ids and seeds, layouts made
and repaired under the brand's rules, and every prompt through the guard (:mod:`agents.guard`).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agents.guard import PlanRefused, clean_fragment, gate_prompt, looks_like_instruction, tidy
from pipeline.campaign.layouts import TEMPLATES, make_layout, repair_layout, validate_layout
from pipeline.colour import basic_colour_name
from pipeline.models import BrandProfile, BrandRule, Brief, CampaignPlan, ChannelSpec, DraftPlan, Layout, SearchHit
from pipeline.settings import DATA_DIR
from pipeline.words import singular

ALWAYS_NEGATIVE = "text, letters, watermark, logo"  # text and logo are set at export, never painted
BASE_NEGATIVE = "blurry, low quality, distorted"
MAX_FRAGMENT_CHARS = 160
PRODUCT_KINDS = {
    "bottle": ("bottle", "flask"),
    "can": ("can", "tin"),
    "box": ("box", "carton", "package", "pack"),
    "jar": ("jar", "pot"),
    "cup": ("cup", "mug", "tumbler", "glass"),
    "bag": ("bag", "pouch", "sachet"),
    "tube": ("tube",),
}
COMPOSITIONS = {
    "centred_hero": "centred hero shot with open space above",
    "thirds_left": "product on the left third, open space on the right",
    "thirds_right": "product on the right third, open space on the left",
    "split": "product on one half, calm open space on the other",
    "top_band": "product low in the frame, calm band of space at the top",
}
BACKDROP_WORDS = ("backdrop", "background", "surface", "wall")


class DraftIdea(BaseModel):
    """What one draft shows and how it is framed: the part a planner (or an LLM) chooses."""

    model_config = ConfigDict(extra="forbid")

    channel: str
    prompt: str = Field(min_length=3, max_length=600)
    negative_prompt: str = Field(default="", max_length=600)
    layout_template: str = "centred_hero"
    composition: str = ""


class PlanRequest(BaseModel):
    """Everything a planner may read: the brief, the brand, retrieved passages and the render target."""

    model_config = ConfigDict(extra="forbid")

    brief: Brief
    profile: BrandProfile
    passages: list[SearchHit] = Field(default_factory=list)
    channels: dict[str, ChannelSpec]
    resolution: int = 512  # the model's native side; render sizes keep about resolution^2 pixels
    size_multiple: int = 8
    control_type: str = "boxes"
    control_scale: float = 1.0
    drafts_per_channel: int | None = None  # overrides the brief's count (capped by the caller)
    only_channels: list[str] | None = None  # plan these channels of the brief only

    @property
    def count(self) -> int:
        return self.drafts_per_channel or self.brief.drafts_per_channel

    @property
    def channel_names(self) -> list[str]:
        return [c for c in self.brief.channels if not self.only_channels or c in self.only_channels]


class Planner(Protocol):
    name: str

    def ideas(self, request: PlanRequest, brief_parts: BriefParts) -> tuple[list[DraftIdea], list[str]]:
        """One idea per channel x draft, in channel order, and warnings."""
        ...


# --- what the brief and the brand give a prompt -----------------------------------------------


class Cue(BaseModel):
    phrase: str
    triggers: list[str]
    note_triggers: list[str] = []  # a reviewer's words for it ("warmer"); read by agents.notes only


@cache
def load_cues(path: Path | None = None) -> dict[str, list[Cue]]:
    """The visual cue lexicon (``data/agents/cues.yaml``): the only guideline-derived words a
    template prompt can contain."""
    data = yaml.safe_load((path or DATA_DIR / "agents" / "cues.yaml").read_text(encoding="utf-8"))
    return {kind: [Cue.model_validate(c) for c in cues] for kind, cues in data.items()}


def trigger_pattern(triggers: list[str]) -> re.Pattern[str]:
    words = sorted((re.escape(t.lower()).replace(r"\ ", r"[\s-]+") for t in triggers), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(words) + r")(?:e?s)?(?![\w-])", re.IGNORECASE)


def match_cues(texts: list[str], kind: str) -> list[str]:
    """Phrases of ``kind`` whose triggers appear in ``texts``, most-mentioned first."""
    counts: dict[str, int] = {}
    for cue in load_cues()[kind]:
        if not cue.triggers:
            continue  # a cue only a reviewer's note can ask for
        pattern = trigger_pattern(cue.triggers)
        n = sum(len(pattern.findall(t)) for t in texts)
        if n:
            counts[cue.phrase] = n
    return sorted(counts, key=lambda p: -counts[p])


class BriefParts(BaseModel):
    """The brief's asks after the guard: what each draft may show, and the warnings it raised."""

    model_config = ConfigDict(extra="forbid")

    product: str
    kind: str
    must_include: list[str]
    mood: list[str]
    avoid: list[str]
    product_colour: str
    backgrounds: list[str]
    settings: list[str]
    lights: list[str]
    styles: list[str]
    negatives: list[str]
    templates: dict[str, list[str]]  # channel -> layout templates to rotate through
    rules: list[BrandRule]  # the rules the prompts drew on
    warnings: list[str]


def _fragment(text: str) -> str:
    text = " ".join(str(text).split())
    return text[:MAX_FRAGMENT_CHARS].rsplit(" ", 1)[0] if len(text) > MAX_FRAGMENT_CHARS else text


def product_kind(product: str) -> str:
    """The packaging word the product names ("330 ml can" -> "can"); "product" when it names none."""
    lowered = product.lower()
    for kind, words in PRODUCT_KINDS.items():
        if any(re.search(rf"\b{w}s?\b", lowered) for w in words):
            return kind
    return "product"


def palette_words(profile: BrandProfile) -> list[str]:
    """The brand palette as plain colour words a diffusion model knows, primary colours first."""
    order = {"primary": 0, "secondary": 1, "background": 2, "accent": 3, "neutral": 4, "other": 5, "text": 6}
    words: list[str] = []
    for colour in sorted(profile.palette, key=lambda c: order.get(c.role, 5)):
        name = basic_colour_name(colour.hex)
        if name not in words:
            words.append(name)
    return words


def templates_for(aspect: float) -> list[str]:
    """Layout templates that suit a canvas: wide ones put the product to a side, tall ones stack."""
    if aspect >= 1.6:
        order = ["thirds_left", "thirds_right", "split"]
    elif aspect >= 1.15:
        order = ["thirds_right", "thirds_left", "centred_hero", "split"]
    elif aspect <= 0.7:
        order = ["top_band", "centred_hero"]
    else:
        order = ["centred_hero", "thirds_left", "top_band", "thirds_right"]
    return [t for t in order if t in TEMPLATES]


def usable_rules(profile: BrandProfile) -> tuple[list[BrandRule], list[str]]:
    """Imagery rules a prompt may draw on, and a warning for each one that reads like an instruction
    to a model (it is ignored: guideline text is data)."""
    rules, warnings = [], []
    for rule in profile.imagery_rules:
        if looks_like_instruction(rule.text):
            where = rule.source.source if rule.source else "the guidelines"
            warnings.append(f"ignored an instruction-like sentence in {where}: '{_fragment(rule.text)}'")
            continue
        rules.append(rule)
    return rules, warnings


def read_brief(request: PlanRequest) -> BriefParts:
    """The brief's asks cleaned by the guard, plus the cues its words and the brand's rules give."""
    brief, profile = request.brief, request.profile
    warnings: list[str] = []
    product, notes = clean_fragment(_fragment(brief.product), profile, "product")
    warnings += notes
    if not product:
        raise PlanRefused(f"product '{brief.product}' cannot be shown: {'; '.join(notes)}", [])
    must = _clean_items(brief.must_include, profile, "must_include", warnings)
    mood = _clean_items(brief.mood, profile, "mood", warnings)
    rules, notes = usable_rules(profile)
    warnings += notes
    do_texts = [r.text for r in rules if r.polarity == "do"]
    dont_rules = [r for r in rules if r.polarity == "dont"]
    brief_texts = [brief.message, brief.goal, *mood, *must, product]
    colours = palette_words(profile) or ["white", "gray"]
    product_colour = colours[0]
    backgrounds = [c for c in colours[1:] if c != product_colour] or ["white" if product_colour != "white" else "gray"]
    # Brand colours the brief names ("a Sea Foam background") come first, as plain words, and the
    # brand's names get a plain word beside them: diffusion models know "white", not "Sea Foam".
    named = [c for c in profile.palette if c.name and _names(c.name, " ".join([*must, brief.message]))]
    asked = [basic_colour_name(c.hex) for c in named]
    backgrounds = list(dict.fromkeys(a for a in asked if a != product_colour)) or backgrounds
    for colour in named:
        word = basic_colour_name(colour.hex)
        pattern = re.compile(rf"(?<!\w){re.escape(colour.name)}(?!\w)", re.IGNORECASE)
        must = [pattern.sub(rf"{word} \g<0>", item) for item in must]
    avoid = [_fragment(a) for a in brief.avoid if a.strip()]
    negatives: list[str] = []
    for rule in dont_rules:
        negatives += [s for s in rule.subjects if len(s) <= 40]
    negatives += match_cues([r.text for r in dont_rules] + avoid, "negative")
    # A "don't" that names what this brief shows ("cans" in a rule about competitors' cans) would
    # fight the prompt: it stays a rule for the gate, not a negative-prompt word.
    shown = {singular(w) for w in re.findall(r"[a-z]+", " ".join([product, *must]).lower())}
    negatives = [n for n in negatives if not {singular(w) for w in re.findall(r"[a-z]+", n.lower())} & shown]
    # A setting the brief requires wins; then the brief's words, then the brand's standing "do" rules.
    settings = (
        [""] * bool(match_cues(must, "setting"))  # already in the prompt, in the brief's own words
        or match_cues(brief_texts, "setting")
        or match_cues(do_texts, "setting")
        or ["a seamless studio backdrop"]
    )
    lights = (
        [""] * bool(match_cues(must, "light"))
        or match_cues(brief_texts, "light")
        or match_cues(do_texts, "light")
        or ["soft natural daylight"]
    )
    styles = match_cues(do_texts + brief_texts, "style")
    used = [r for r in rules if r.polarity in ("do", "dont") and (r.subjects or _cue_hit(r.text))]
    templates = {}
    for name in request.channel_names:
        templates[name] = templates_for(request.channels[name].aspect)
    return BriefParts(
        product=product,
        kind=product_kind(product),
        must_include=must,
        mood=mood,
        avoid=avoid,
        product_colour=product_colour,
        backgrounds=backgrounds,
        settings=settings,
        lights=lights,
        styles=styles[:3],
        negatives=list(dict.fromkeys(negatives)),
        templates=templates,
        rules=used,
        warnings=warnings,
    )


def _clean_items(items: list[str], profile: BrandProfile, field: str, warnings: list[str]) -> list[str]:
    """Each item of a brief list through the guard (``field[i]`` in warnings); dropped items left out."""
    kept = []
    for i, item in enumerate(items, start=1):
        text, notes = clean_fragment(_fragment(item), profile, f"{field}[{i}]")
        warnings += notes
        if text:
            kept.append(text)
    return kept


def _names(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None


def _overlaps(product: str, item: str) -> bool:
    """True when ``item`` already names the product (most of its words)."""
    words = set(re.findall(r"[a-z0-9]+", product.lower()))
    return bool(words) and len(words & set(re.findall(r"[a-z0-9]+", item.lower()))) >= 0.6 * len(words)


def _cue_hit(text: str) -> bool:
    return any(match_cues([text], kind) for kind in ("light", "setting", "style", "negative"))


# --- the template planner ---------------------------------------------------------------------


class TemplatePlanner:
    """Deterministic prompts from the brief and the brand: varied compositions, settings, light and
    backgrounds across drafts; the same brief always gives the same plan."""

    name = "template"

    def ideas(self, request: PlanRequest, parts: BriefParts) -> tuple[list[DraftIdea], list[str]]:
        ideas = []
        for c, channel in enumerate(request.channel_names):
            templates = parts.templates[channel]
            for i in range(request.count):
                k = c + i  # channels start at different places so they differ from each other too
                template = templates[i % len(templates)]
                background = parts.backgrounds[k % len(parts.backgrounds)]
                setting = parts.settings[k % len(parts.settings)]
                light = parts.lights[(k // len(parts.settings)) % len(parts.lights)]
                backdrop = BACKDROP_WORDS[k % len(BACKDROP_WORDS)]
                lead = f"a {parts.product_colour} {parts.kind} on a {background} {backdrop}"
                named = any(_overlaps(parts.product, item) for item in parts.must_include)
                pieces = [lead, "" if named else parts.product, *parts.must_include, setting, light]
                if parts.mood:
                    pieces.append(", ".join(parts.mood) + " mood")
                pieces += [COMPOSITIONS[template], *parts.styles]
                negative = [ALWAYS_NEGATIVE, *parts.avoid, *parts.negatives, BASE_NEGATIVE]
                ideas.append(
                    DraftIdea(
                        channel=channel,
                        prompt=", ".join(dict.fromkeys(p for p in pieces if p)),
                        negative_prompt=", ".join(dict.fromkeys(negative)),
                        layout_template=template,
                        composition="; ".join(
                            p for p in (template.replace("_", " "), setting, light, f"{background} {backdrop}") if p
                        ),
                    )
                )
        return ideas, []


# --- from ideas to plans ------------------------------------------------------------------------


def stable_seed(*parts: object) -> int:
    """A seed that depends only on what it is for (campaign, channel, index, re-plan)."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def draft_id(campaign: str, channel: str, index: int, generation: int = 0) -> str:
    base = f"{campaign}-{channel}-{index}"
    return base if generation == 0 else f"{base}-r{generation}"


def layout_for(template: str, channel: ChannelSpec, profile: BrandProfile) -> tuple[Layout, list[str]]:
    """The template's layout at the channel's aspect, validated and repaired under the brand's rules.
    When the repaired layout still breaks a rule, the other templates that suit the aspect are tried
    and the one with the fewest problems is kept (with a warning naming them)."""
    rules = profile.layout_rules
    first = template if template in TEMPLATES else "centred_hero"
    best: tuple[Layout, list[str]] | None = None
    for name in [first, *(t for t in templates_for(channel.aspect) if t != first)]:
        layout = make_layout(name, channel.aspect, rules)
        if validate_layout(layout, rules, final_width=channel.width):
            layout = repair_layout(layout, rules, final_width=channel.width)
        problems = validate_layout(layout, rules, final_width=channel.width)
        if best is None or len(problems) < len(best[1]):
            best = (layout, problems)
        if not problems:
            break
    assert best is not None
    layout, problems = best
    notes = (
        [f"{channel.name}: layout '{first}' broke a rule; used '{layout.template}'"] if layout.template != first else []
    )
    return layout, notes + [
        f"{channel.name} layout '{layout.template}': {p} (closest the rules allow)" for p in problems
    ]


def assemble(request: PlanRequest, ideas: list[DraftIdea], parts: BriefParts, planner: str) -> CampaignPlan:
    """Ideas -> plans: sizes, ids, seeds and layouts, and every prompt through the guard."""
    brief, profile = request.brief, request.profile
    warnings = list(parts.warnings)
    chunk_ids = list(dict.fromkeys(r.source.chunk_id for r in parts.rules if r.source and r.source.chunk_id))
    quotes = [r.text for r in parts.rules][:12]
    drafts = []
    counters: dict[str, int] = {}
    for idea in ideas:
        channel = request.channels[idea.channel]
        counters[idea.channel] = counters.get(idea.channel, 0) + 1
        index = counters[idea.channel]
        plan_id = draft_id(brief.campaign, channel.name, index)
        width, height = channel.render_size(request.resolution, request.size_multiple)
        layout, notes = layout_for(idea.layout_template, channel, profile)
        warnings += notes
        text = idea.prompt
        if layout.template != idea.layout_template and idea.layout_template in COMPOSITIONS:
            text = text.replace(COMPOSITIONS[idea.layout_template], COMPOSITIONS[layout.template])
        prompt, notes = gate_prompt(tidy(text), profile, f"{plan_id} prompt")
        warnings += notes
        drafts.append(
            DraftPlan(
                id=plan_id,
                campaign=brief.campaign,
                brand=profile.name,
                channel=channel.name,
                width=width,
                height=height,
                prompt=prompt,
                negative_prompt=tidy(idea.negative_prompt) or ALWAYS_NEGATIVE,
                seed=stable_seed(brief.campaign, channel.name, index),
                layout=layout,
                controlnet=request.control_type,
                controlnet_scale=request.control_scale,
                composition=idea.composition or idea.layout_template,
                headline=brief.headline,
                cta=brief.cta,
                rule_chunks=chunk_ids + [p.chunk_id for p in request.passages if p.chunk_id not in chunk_ids][:4],
                rule_quotes=quotes,
            )
        )
    return CampaignPlan(
        campaign=brief.campaign,
        brand=profile.name,
        brief=brief,
        drafts=drafts,
        planner=planner,
        warnings=list(dict.fromkeys(warnings)),
    )


def safe_passages(passages: list[SearchHit]) -> tuple[list[SearchHit], list[str]]:
    """Retrieved passages minus those that read like instructions to a model (with a warning each)."""
    kept, warnings = [], []
    for hit in passages:
        if looks_like_instruction(hit.text):
            warnings.append(f"ignored an instruction-like passage in {hit.source} ({hit.section or 'no section'})")
        else:
            kept.append(hit)
    return kept, warnings


def plan_campaign(request: PlanRequest, planner: Planner | None = None) -> CampaignPlan:
    """The campaign plan from ``planner`` (the template planner by default), guarded."""
    planner = planner or TemplatePlanner()
    passages, notes = safe_passages(request.passages)
    request = request.model_copy(update={"passages": passages})
    parts = read_brief(request)
    parts.warnings += notes
    ideas, notes = planner.ideas(request, parts)
    parts.warnings += notes
    return assemble(request, ideas, parts, planner.name)
