"""Re-planning: a draft the gate rejected (or a reviewer sent back) gets a revised plan.

    >>> revised = replan(plan, report, profile)             # doctest: +SKIP
    >>> revised.id, revised.parent_id, revised.replan_reason
    ('spring-...-instagram_post-1-r1', 'spring-...-instagram_post-1', 'failed palette: ...; changed: seed, ...')
    >>> revised = replan(plan, report, profile, note="teal can, on the left, warmer light")   # doctest: +SKIP
    >>> [c.describe() for c in revised.changes][:1]
    ["product colour: white -> teal (Tidewell Teal #0F7C8C), from 'teal can'"]

Each failed or warned check maps to a change a diffusion model responds to: words in the prompt or
the negative prompt, the ControlNet's strength, or another composition. The seed always changes
(a fresh sample is the cheapest fix there is). The revised prompt passes the guard again.

A reviewer's note is read into plan changes (:mod:`agents.notes`): colours of the product and the
background, light, mood, the product's side and size, space above or around it, things to add or
leave out. Each is applied to the prompt or the layout and recorded with the words it came from;
the parts of the note that asked for nothing a plan can do are recorded as not acted on. A change
that breaks one of the brand's layout rules refuses the note with that rule named. With a note, only
checks that failed get their fixes: the note, not a warning, says what the reviewer wants.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from agents.guard import gate_prompt, tidy
from agents.notes import NoteRefused, read_note
from agents.planner import COMPOSITIONS, PRODUCT_KINDS, layout_for, load_cues, palette_words, stable_seed, templates_for
from pipeline.campaign.channels import load_channels
from pipeline.campaign.layouts import repair_layout, validate_layout
from pipeline.colour import BASIC_COLOURS, basic_colour_name
from pipeline.models import Box, BrandProfile, ChannelSpec, DraftPlan, EvalReport, Layout, NoteReading, PlanChange
from pipeline.words import singular

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

MAX_CONTROL_SCALE = 1.6


class Revision(BaseModel):
    """What one fix adds: prompt and negative words, a ControlNet scale step, a new composition."""

    model_config = ConfigDict(extra="forbid")

    prompt: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    control_step: float = 0.0
    new_composition: bool = False
    note: str = ""


def _palette(profile: BrandProfile) -> Revision:
    words = palette_words(profile)[:3]
    tones = f"colour palette of {', '.join(words)}" if words else "brand colour palette"
    return Revision(prompt=[tones], negative=["off-palette colours", "neon colours"], note="palette words")


FIXES: dict[str, Callable[[BrandProfile], Revision]] = {
    "palette": _palette,
    "layout": lambda _: Revision(control_step=0.2, note="stronger layout control"),
    "negative_space": lambda _: Revision(
        prompt=["clean empty space around the product"], negative=["clutter", "busy background"], note="calmer space"
    ),
    "text_artifacts": lambda _: Revision(
        negative=["words", "typography", "signage", "captions", "printed labels with text"], note="no-text words"
    ),
    "sharpness": lambda _: Revision(prompt=["sharp focus", "crisp detail"], negative=["blurry", "soft focus"]),
    "exposure": lambda _: Revision(prompt=["balanced exposure"], negative=["overexposed", "underexposed"]),
    "faces": lambda _: Revision(negative=["people", "person", "face", "hands"], note="no people"),
    "nsfw": lambda _: Revision(negative=["nudity", "skin", "revealing clothing", "people"], new_composition=True),
    "duplicate": lambda _: Revision(new_composition=True, note="another composition"),
    "prompt_alignment": lambda _: Revision(control_step=-0.1, note="more room for the prompt"),
    # the product came out in another colour than asked: a fresh seed is what changes it (the seed
    # always changes); the words stay, they already ask for the colour
    "colour_match": lambda _: Revision(note="new seed for the product colour"),
}


def _extend(text: str, words: list[str]) -> str:
    """``text`` as it was, with the ``words`` it does not already list appended."""
    have = {p.strip().lower() for p in text.split(",")}
    new = [w for w in dict.fromkeys(words) if w.lower() not in have]
    return ", ".join([text, *new]) if text and new else (text or ", ".join(new))


def _failed(report: EvalReport, warnings_too: bool = True) -> list[tuple[str, str]]:
    bad = [c for c in report.checks if c.status == "fail"]
    if not bad and warnings_too:
        bad = [c for c in report.checks if c.status == "warn"]
    return [(c.name, c.reason) for c in bad]


def replan(
    plan: DraftPlan,
    report: EvalReport | None,
    profile: BrandProfile,
    note: str = "",
    channels: dict[str, ChannelSpec] | None = None,
    *,
    reading: NoteReading | None = None,
    embedder: Any = None,
    model: BaseChatModel | None = None,
) -> DraftPlan:
    """The next generation of ``plan``: new id, parent, seed; prompt, negative prompt, ControlNet
    scale or layout adjusted for each failed check; ``note`` (a reviewer's request) read into plan
    changes (or ``reading``, the note already read) and applied. ``embedder`` (MiniLM) and ``model``
    (an LLM) are what read the note. A note that cannot be used raises :class:`agents.notes.NoteRefused`."""
    if note and reading is None:
        reading = read_note(note, profile, embedder, model, context=_context(plan))
    failed = _failed(report, warnings_too=reading is None) if report is not None else []
    prompt_words: list[str] = []
    negative_words: list[str] = []
    step = 0.0
    new_composition = False
    changes = ["seed"]
    for name, _ in failed:
        fix = FIXES.get(name)
        if fix is None:
            continue
        revision = fix(profile)
        prompt_words += revision.prompt
        negative_words += revision.negative
        step += revision.control_step
        new_composition = new_composition or revision.new_composition
        changes.append(revision.note or f"{name} fix")
    generation = plan.generation + 1
    base = re.sub(r"-r\d+$", "", plan.id)  # the first plan's id: campaign-channel-index
    tail = base.rsplit("-", 1)[-1]
    index = int(tail) if tail.isdigit() else 1
    new_id = f"{base}-r{generation}"
    layout = plan.layout
    text = plan.prompt
    if new_composition:
        channel = (channels or load_channels()).get(plan.channel)
        if channel is not None:
            options = [t for t in templates_for(channel.aspect) if t != plan.layout.template] or [plan.layout.template]
            layout, _ = layout_for(options[generation % len(options)], channel, profile)
            old = COMPOSITIONS.get(plan.layout.template, "")
            if old and old in text:
                text = text.replace(old, COMPOSITIONS.get(layout.template, old))
            changes.append(f"layout {plan.layout.template} -> {layout.template}")
    scale = min(MAX_CONTROL_SCALE, max(0.3, plan.controlnet_scale + step))
    if scale != plan.controlnet_scale:
        changes.append(f"control scale {plan.controlnet_scale:.2f} -> {scale:.2f}")
    text = _extend(text, prompt_words)
    negative = _extend(plan.negative_prompt, negative_words)
    applied: list[PlanChange] = []
    if reading is not None and reading.changes:
        channel = (channels or load_channels()).get(plan.channel)
        edited = apply_changes(
            plan.model_copy(update={"prompt": text, "negative_prompt": negative, "layout": layout}),
            reading.changes,
            profile,
            channel,
        )
        text, negative, layout, applied = edited.prompt, edited.negative_prompt, edited.layout, edited.changes
        changes += [c.aspect.replace("_", " ") for c in applied]
    try:
        prompt, _ = gate_prompt(tidy(text), profile, f"{new_id} prompt")
    except NoteRefused:
        raise
    except Exception as exc:
        if reading is None:
            raise
        raise NoteRefused(f"{exc}; nothing was stored") from exc
    note_text = reading.note if reading is not None else note
    missed = reading.not_acted_on if reading is not None else []
    reason = "; ".join(
        part
        for part in (
            ("failed " + ", ".join(f"{n} ({r})" for n, r in failed)) if failed else "",
            f"reviewer: {note_text}" if note_text else "",
            "changed: " + ", ".join(dict.fromkeys(changes)),
            ("could not act on: " + "; ".join(missed)) if missed else "",
        )
        if part
    )
    return plan.model_copy(
        update={
            "id": new_id,
            "parent_id": plan.id,
            "generation": generation,
            "seed": stable_seed(plan.campaign, plan.channel, index, generation),
            "prompt": prompt,
            "negative_prompt": tidy(negative),
            "layout": layout,
            "controlnet_scale": round(scale, 2),
            "replan_reason": reason[:1000],
            "changes": applied,
            "not_acted_on": missed,
        }
    )


def renumber(plan: DraftPlan) -> DraftPlan:
    """``plan`` as the next generation again (its id was taken by an earlier request): the same
    changes, the next id and seed."""
    base = re.sub(r"-r\d+$", "", plan.id)
    tail = base.rsplit("-", 1)[-1]
    index = int(tail) if tail.isdigit() else 1
    generation = plan.generation + 1
    return plan.model_copy(
        update={
            "id": f"{base}-r{generation}",
            "generation": generation,
            "seed": stable_seed(plan.campaign, plan.channel, index, generation),
        }
    )


def _context(plan: DraftPlan) -> str:
    product = next((b for b in plan.layout.boxes if b.role == "product"), None)
    where = f"; product box x {product.x0:.2f}-{product.x1:.2f}, y {product.y0:.2f}-{product.y1:.2f}" if product else ""
    return f"prompt: {plan.prompt}; layout: {plan.layout.template}{where}"


# --- a reviewer's changes, applied --------------------------------------------------------------------------

COLOUR_WORDS = "|".join(sorted(BASIC_COLOURS, key=len, reverse=True))
KIND_WORDS = "|".join(sorted({w for ws in PRODUCT_KINDS.values() for w in ws} | {"product"}, key=len, reverse=True))
BACKDROPS = "backdrop|background|surface|wall"
SIDE_TEMPLATES = {"left": "thirds_left", "right": "thirds_right", "centre": "centred_hero"}
SIZE_STEP = 1.3  # area factor of "bigger" (1/SIZE_STEP for "smaller")
SPACE_STEP = 0.08  # canvas fraction the product moves for "more space above"
HINTS = {
    ("product_size", "larger"): "product large in the frame",
    ("product_size", "smaller"): "product small in the frame with room around it",
    ("space_above", "more"): "open empty space above the product",
    ("space_around", "more"): "clean empty space around the product",
}
RULE_KEYS = (
    ("maximum is", "product_share_max"),
    ("minimum is", "product_share_min"),
    ("safe margin", "safe_margin"),
    ("negative space", "negative_space_min"),
    ("headline band", "headline_band_max"),
    ("corner", "logo_corners"),
    ("px wide", "logo_min_width_px"),
)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _set_product_colour(prompt: str, colour: str) -> tuple[str, str]:
    m = re.search(rf"\b(an?)\s+(?:({COLOUR_WORDS})\s+)?({KIND_WORDS})\b", prompt, re.IGNORECASE)
    if m is None:
        return f"{_article(colour)} {colour} product, {prompt}", ""
    was = m.group(2) or ""
    return prompt[: m.start()] + f"{_article(colour)} {colour} {m.group(3)}" + prompt[m.end() :], was


def _set_background(prompt: str, colour: str) -> tuple[str, str]:
    m = re.search(rf"\b(on\s+)(?:an?\s+)?(?:({COLOUR_WORDS})\s+)?({BACKDROPS})\b", prompt, re.IGNORECASE)
    if m is not None:
        was = m.group(2) or ""
        return prompt[: m.start()] + f"on {_article(colour)} {colour} {m.group(3)}" + prompt[m.end() :], was
    pieces = [p.strip() for p in prompt.split(",")]
    pieces.insert(1, f"on {_article(colour)} {colour} backdrop")
    return ", ".join(pieces), ""


def _current(prompt: str, pattern: str) -> str:
    m = re.search(pattern, prompt, re.IGNORECASE)
    return (m.group(1) or "") if m else ""


def _replace_pieces(prompt: str, drop: Callable[[str], bool], new: str, before: str = "") -> tuple[str, str]:
    """``prompt`` with the comma-pieces ``drop`` matches replaced by ``new`` (at the first one's place,
    else before the piece starting with ``before``, else at the end); returns it and what was dropped."""
    pieces = [p.strip() for p in prompt.split(",") if p.strip()]
    dropped = [p for p in pieces if drop(p)]
    at = next((i for i, p in enumerate(pieces) if drop(p)), None)
    kept = [p for p in pieces if not drop(p)]
    if at is None:
        at = next((i for i, p in enumerate(kept) if before and p.startswith(before)), len(kept))
    else:
        at = min(at, len(kept))
    if new:
        kept.insert(at, new)
    return ", ".join(kept), "; ".join(dropped)


def _light_phrases() -> set[str]:
    return {c.phrase for c in load_cues()["light"]}


def _scaled(box: Box, factor: float, top: float | None = None) -> Box:
    """The box's area times ``factor``, about its centre (or keeping its bottom edge with ``top``)."""
    k = factor**0.5
    w, h = box.w * k, box.h * k
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    y1 = box.y1 if top is not None else cy + h / 2
    y0 = y1 - h
    x0 = min(max(0.0, cx - w / 2), 1 - w)
    y0, y1 = max(0.0, y0), min(1.0, y1)
    return Box(role=box.role, x0=round(x0, 4), y0=round(y0, 4), x1=round(x0 + w, 4), y1=round(y1, 4))


def _with_product(layout: Layout, product: Box) -> Layout:
    boxes = [product if b.role == "product" else b for b in layout.boxes]
    return layout.model_copy(update={"boxes": boxes})


def _rule_source(problem: str, profile: BrandProfile) -> str:
    rules = profile.layout_rules
    for words, key in RULE_KEYS:
        if words in problem and key in rules.sources:
            ref = rules.sources[key]
            return " (" + " › ".join(x for x in (ref.source.rsplit("/", 1)[-1], ref.section) if x) + ")"
    return ""


def _refuse(asked: PlanChange, problems: list[str], profile: BrandProfile) -> NoteRefused:
    rule = problems[0]
    source = _rule_source(rule, profile)
    if source or any(words in rule for words, _ in RULE_KEYS):
        return NoteRefused(
            f"'{asked.reason}' would break {profile.name}'s layout rule: {rule}{source}; nothing was stored"
        )
    return NoteRefused(f"'{asked.reason}' cannot be done in this layout: {rule}; nothing was stored")


def _layout_change(
    layout: Layout, change: PlanChange, profile: BrandProfile, channel: ChannelSpec | None
) -> tuple[Layout, str]:
    """The layout after one side, size or space change, and what it was; the brand's rules are kept
    (what can still move moves, up to a rule's limit), and a change no rule leaves room for is refused."""
    rules = profile.layout_rules
    product = next((b for b in layout.boxes if b.role == "product"), None)
    if product is None:
        raise NoteRefused(f"'{change.reason}': this draft's layout has no product box to move; nothing was stored")
    cx = (product.x0 + product.x1) / 2
    side_now = "left" if cx < 0.45 else "right" if cx > 0.55 else "centre"
    if change.aspect == "product_side":
        wanted = change.value
        if wanted == "other":
            wanted = {"left": "right", "right": "left"}.get(side_now, "left")
        if wanted == side_now:
            return layout, side_now
        template = SIDE_TEMPLATES[wanted]
        if channel is None:
            raise NoteRefused(f"'{change.reason}': the draft's channel is unknown; nothing was stored")
        new, problems = layout_for(template, channel, profile)
        if new.template != template:
            raise _refuse(change, problems or [f"the {template.replace('_', ' ')} layout breaks a rule"], profile)
        return new, side_now
    margin = rules.safe_margin if rules.safe_margin is not None else 0.05
    lo = rules.product_share_min or 0.0
    hi = rules.product_share_max if rules.product_share_max is not None else 0.9
    if change.aspect == "product_size" or change.aspect == "space_around":
        grow = (change.value == "larger") if change.aspect == "product_size" else (change.value == "less")
        target = product.area * (SIZE_STEP if grow else 1 / SIZE_STEP)
        target = min(target, hi - 0.005) if grow else max(target, lo + 0.005)
        if abs(target - product.area) < 0.005:
            limit = "maximum" if grow else "minimum"
            bound = hi if grow else lo
            problem = f"the product covers {product.area:.0%}; the {limit} is {bound:.0%}"
            raise _refuse(change, [problem], profile)
        factor = target / product.area
        options = [_scaled(product, factor), _scaled(product, factor, top=product.y1), _grown_down(product, factor)]
        was = f"{product.area:.0%} of the canvas"
        return _first_that_fits(layout, options, change, profile, channel), was
    else:  # space_above
        band = rules.headline_band_max if rules.headline_band == "top" and rules.headline_band_max else margin
        if change.value == "more":
            room = (1 - margin) - product.y1
            shift = min(SPACE_STEP, max(0.0, room))
            moved = product.model_copy(update={"y0": round(product.y0 + shift, 4), "y1": round(product.y1 + shift, 4)})
            if shift < SPACE_STEP:  # no room to move down: the top edge comes down instead
                cut = SPACE_STEP - shift
                area_factor = max(((moved.h - cut) / moved.h) ** 2, (lo + 0.005) / product.area)
                if area_factor < 0.999:
                    moved = _scaled(moved, area_factor, top=moved.y1)
        else:
            shift = min(SPACE_STEP, max(0.0, product.y0 - (band + 0.02)))
            if shift < 0.01:
                raise _refuse(change, ["the product already sits right under the headline band"], profile)
            moved = product.model_copy(update={"y0": round(product.y0 - shift, 4), "y1": round(product.y1 - shift, 4)})
        was = f"top of the product at {product.y0:.0%}"
    return _first_that_fits(layout, [moved], change, profile, channel), was


def _grown_down(box: Box, factor: float) -> Box:
    """The box scaled by ``factor`` (area) keeping its top edge: it grows or shrinks downwards."""
    k = factor**0.5
    w, h = box.w * k, box.h * k
    cx = (box.x0 + box.x1) / 2
    x0 = min(max(0.0, cx - w / 2), 1 - w)
    y1 = min(1.0, box.y0 + h)
    return Box(role=box.role, x0=round(x0, 4), y0=round(box.y0, 4), x1=round(x0 + w, 4), y1=round(y1, 4))


def _first_that_fits(
    layout: Layout, options: list[Box], change: PlanChange, profile: BrandProfile, channel: ChannelSpec | None
) -> Layout:
    """The layout with the first product box of ``options`` that keeps the brand's rules (text boxes in
    the way move aside); none does: the note is refused, naming what it would break."""
    rules = profile.layout_rules
    width = channel.width if channel else None
    before = set(validate_layout(layout, rules, width))
    first: list[str] = []
    for moved in options:
        new = _with_product(layout, moved)
        problems = [p for p in validate_layout(new, rules, width) if p not in before]
        if problems:
            repaired = repair_layout(new, rules, width)
            kept = next(b for b in repaired.boxes if b.role == "product")
            problems = [p for p in validate_layout(repaired, rules, width) if p not in before]
            if abs(kept.area - moved.area) > 0.01 or abs(kept.y0 - moved.y0) > 0.02:
                problems = problems or [f"there is no room for it in the {layout.template.replace('_', ' ')} layout"]
            new = repaired
        if not problems:
            return new
        first = first or problems
    raise _refuse(change, first, profile)


def apply_changes(
    plan: DraftPlan, changes: list[PlanChange], profile: BrandProfile, channel: ChannelSpec | None
) -> DraftPlan:
    """``plan`` with each change applied to its prompt, negative prompt or layout; the returned plan's
    ``changes`` are the changes as applied (with what each replaced)."""
    prompt, negative, layout = plan.prompt, plan.negative_prompt, plan.layout
    applied: list[PlanChange] = []
    for change in changes:
        value, detail, was = change.value, change.detail, ""
        if change.aspect in ("product_colour", "background"):
            if value == "another":
                value, detail = _another(prompt, change.aspect, profile)
            if change.aspect == "product_colour":
                prompt, was = _set_product_colour(prompt, value)
            else:
                prompt, was = _set_background(prompt, value)
        elif change.aspect == "light":
            prompt, was = _replace_pieces(prompt, _is_light, value)
        elif change.aspect == "mood":
            prompt, was = _set_mood(prompt, value)
        elif change.aspect in ("product_side", "product_size", "space_above", "space_around"):
            old_template = layout.template
            layout, was = _layout_change(layout, change, profile, channel)
            if change.aspect == "product_side" and layout.template != old_template:
                old, new = COMPOSITIONS.get(old_template, ""), COMPOSITIONS.get(layout.template, "")
                if old and old in prompt:
                    prompt = prompt.replace(old, new)
                elif new:
                    prompt = _extend(prompt, [new])
                value = f"{value} ({layout.template.replace('_', ' ')})" if value == "other" else value
            prompt = _set_hint(prompt, change.aspect, change.value)
        elif change.aspect == "add":
            prompt = _extend(prompt, [value])
        elif change.aspect == "remove":
            prompt, was = _without(prompt, value)
            negative = _extend(negative, [value])
        applied.append(change.model_copy(update={"value": value, "detail": detail, "was": was}))
    return plan.model_copy(
        update={"prompt": tidy(prompt), "negative_prompt": tidy(negative), "layout": layout, "changes": applied}
    )


def _without(prompt: str, element: str) -> tuple[str, str]:
    """The prompt without the pieces that show ``element`` (matched by its last word, singular)."""
    head = singular(element.split()[-1].lower()) if element.split() else ""
    if not head:
        return prompt, ""
    pattern = re.compile(rf"\b{re.escape(head)}", re.IGNORECASE)
    return _replace_pieces(prompt, lambda p: pattern.search(p) is not None, "")


def _set_hint(prompt: str, aspect: str, value: str) -> str:
    """The prompt's words for a layout change ("product large in the frame"): the old ones of this
    aspect out, the new one in (none for "less space")."""
    mine = {hint for (kind, _), hint in HINTS.items() if kind == aspect}
    new, _ = _replace_pieces(prompt, lambda p: p in mine, HINTS.get((aspect, value), ""))
    return new


LIGHT_WORDS = re.compile(r"\b(light|lighting|lit|daylight|sunlight|sunlit|glow|shadows?)\b", re.IGNORECASE)


def _is_light(piece: str) -> bool:
    """A prompt piece about the light ("soft morning daylight", "warm golden hour light")."""
    return piece in _light_phrases() or (len(piece.split()) <= 6 and LIGHT_WORDS.search(piece) is not None)


def _set_mood(prompt: str, mood: str) -> tuple[str, str]:
    """The brief's mood ("fresh, sunlit, calm, coastal mood": its words run up to "mood") replaced."""
    pieces = [p.strip() for p in prompt.split(",") if p.strip()]
    at = next((i for i, p in enumerate(pieces) if p.endswith(" mood")), None)
    if at is None:
        return _extend(prompt, [f"{mood} mood"]), ""
    start = at
    while start > 0 and len(pieces[start - 1].split()) <= 2 and not re.search(r"\d", pieces[start - 1]):
        start -= 1
    was = ", ".join(pieces[start : at + 1])
    return ", ".join([*pieces[:start], f"{mood} mood", *pieces[at + 1 :]]), was


def _another(prompt: str, aspect: str, profile: BrandProfile) -> tuple[str, str]:
    """A palette colour other than the one the prompt has for the background (or the product)."""
    now = _current(prompt, rf"\bon\s+an?\s+({COLOUR_WORDS})\s+(?:{BACKDROPS})\b")
    if aspect == "product_colour":
        now = _current(prompt, rf"\ban?\s+({COLOUR_WORDS})\s+(?:{KIND_WORDS})\b")
    for colour in profile.palette:
        word = basic_colour_name(colour.hex)
        if word != now:
            return word, f"{colour.name} {colour.hex}"
    raise NoteRefused(f"{profile.name}'s palette has no other colour to use; nothing was stored")
