"""Typed hand-offs of the whole pipeline.

``Brief -> BrandProfile + GuidelineChunk -> CampaignPlan(DraftPlan, Layout) -> Draft -> EvalReport -> Decision``

Stages take and return these models, never loose dicts. Later stages fill more of them in;
they are all defined here so that the flow of a campaign is visible in one file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

HEX_RE = re.compile(r"^#[0-9A-F]{6}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- knowledge ------------------------------------------------------------------------------


class GuidelineChunk(_Model):
    """A small, focused passage of a brand guideline document, with where it came from."""

    id: str  # content hash: the same passage of the same document always gets the same id
    brand: str
    source: str  # document name, relative to the folder it was ingested from
    section: str = ""  # heading path below the document title, e.g. "Logo > Clear space"
    title: str = ""  # the document's title heading, when it has one
    text: str
    kind: Literal["text", "list", "table", "mixed"] = "text"
    page: int | None = None  # 1-based page for PDFs
    position: int = 0  # order of the chunk within its document
    doc_sha: str = ""  # hash of the whole document, to skip unchanged files quickly

    @property
    def topic(self) -> str:
        """The heading path that says what the chunk is about: its section, or the document's title
        when the chunk sits directly under it (a short file titled "Logo")."""
        return self.section or self.title

    def embedding_text(self) -> str:
        """What gets embedded and indexed: headings carry much of a passage's meaning."""
        return f"{self.topic}\n{self.text}" if self.topic else self.text


class SourceRef(_Model):
    """Where a profile item came from: a guideline chunk, or the user's override file."""

    chunk_id: str | None = None
    source: str
    section: str = ""
    quote: str = ""  # the sentence or row the item was read from


class FileProblem(_Model):
    """A guideline file that could not be ingested, and why (one line)."""

    file: str
    error: str


class IngestReport(_Model):
    """What one ``ingest`` call did; the JSON of ``onbrand ingest --json``."""

    brand: str
    documents: int = 0  # documents read or found unchanged in this call
    chunks: int = 0  # chunks those documents have now
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    total_chunks: int = 0  # chunks of the brand after the call, all documents
    errors: list[FileProblem] = Field(default_factory=list)
    # Not errors, one line per document: "gave no colours, fonts or rules", or a language model's
    # proposals that its text did not bear out. The document is still stored and searchable.
    notes: list[FileProblem] = Field(default_factory=list)


class SearchHit(_Model):
    text: str
    source: str
    section: str
    score: float
    chunk_id: str
    page: int | None = None
    title: str = ""  # the document's title heading, when it has one

    def shown(self) -> str:
        """What a hit shows people: its heading path (the document title when it has no section), then
        its text. Answers often stand in the heading ("Minimum size") rather than the passage."""
        heading = self.section or self.title
        return f"{heading}\n{self.text}" if heading else self.text


# --- brand profile --------------------------------------------------------------------------

ColorRole = Literal["primary", "secondary", "accent", "neutral", "background", "text", "other"]


def normalise_hex(value: object) -> str:
    """``"#1f6f8b"``, ``"1F6F8B"`` or ``"#1F6"`` -> ``"#1F6F8B"``; anything else is a clear error."""
    text = str(value).strip().upper()
    if not text.startswith("#"):
        text = "#" + text
    if re.fullmatch(r"#[0-9A-F]{3}", text):
        text = "#" + "".join(c * 2 for c in text[1:])
    if not HEX_RE.match(text):
        raise ValueError(f"'{value}' is not a colour like #1F6F8B")
    return text


HexColour = Annotated[str, BeforeValidator(normalise_hex)]


class BrandColor(_Model):
    name: str
    hex: HexColour
    role: ColorRole = "other"
    rgb: tuple[int, int, int] | None = None
    cmyk: tuple[float, float, float, float] | None = None  # percentages 0..100
    pantone: str | None = None
    source: SourceRef | None = None  # the evidence: where it was read
    confidence: float = Field(default=1.0, ge=0, le=1)  # how sure extraction is (1.0: stated plainly)


class BrandTint(_Model):
    """A tint, shade or ramp step of a named palette colour ("Violet 400" of "Violet")."""

    name: str
    hex: HexColour
    base: str  # the palette colour's name
    source: SourceRef | None = None
    confidence: float = Field(default=1.0, ge=0, le=1)


class BrandFont(_Model):
    family: str
    usage: str = ""  # headline, body, fallback, ...
    source: SourceRef | None = None
    confidence: float = Field(default=1.0, ge=0, le=1)


class BrandTerm(_Model):
    """A word or phrase that must never appear in copy or prompts."""

    term: str
    kind: Literal["banned", "claim", "competitor"] = "banned"
    source: SourceRef | None = None
    instead: str | None = None  # what the guidelines say to write instead ("say instead" tables)
    confidence: float = Field(default=1.0, ge=0, le=1)


class BrandRule(_Model):
    """A rule sentence: tone, logo or imagery. ``subjects`` are what an imagery rule is about."""

    text: str
    kind: Literal["tone", "logo", "imagery", "layout", "other"]
    polarity: Literal["do", "dont", "info"] = "info"
    subjects: list[str] = Field(default_factory=list)
    source: SourceRef | None = None
    confidence: float = Field(default=1.0, ge=0, le=1)


class LogoMinimum(_Model):
    """A logo minimum size as the guidelines state it: "at least 24 px high", "20 mm wide in print"."""

    value: float = Field(gt=0)
    unit: Literal["px", "mm", "in", "pt", "cm"]
    dimension: Literal["width", "height"]
    context: str = ""  # "digital", "print", ... when the guidelines say
    source: SourceRef | None = None


class LayoutRules(_Model):
    """Layout constraints stated by the guidelines, as numbers a layout can be checked against.

    Fractions are of the canvas (0..1). ``None`` means the guidelines do not say.
    """

    headline_band: Literal["top", "bottom", "left", "right"] | None = None
    headline_band_max: float | None = Field(default=None, ge=0, le=1)
    product_share_min: float | None = Field(default=None, ge=0, le=1)
    product_share_max: float | None = Field(default=None, ge=0, le=1)
    negative_space_min: float | None = Field(default=None, ge=0, le=1)
    safe_margin: float | None = Field(default=None, ge=0, le=0.5)
    logo_corners: list[Literal["top-left", "top-right", "bottom-left", "bottom-right"]] = Field(default_factory=list)
    logo_min_width_px: int | None = Field(default=None, ge=1)
    logo_min_width_mm: float | None = Field(default=None, gt=0)
    logo_clear_space: str | None = None  # as the guidelines word it
    logo_clear_space_fraction: float | None = Field(default=None, ge=0, le=1)  # of the logo's width
    logo_minimums: list[LogoMinimum] = Field(default_factory=list)  # every minimum stated, with unit and dimension
    sources: dict[str, SourceRef] = Field(default_factory=dict)  # field name -> where it was read


class ColourUse(_Model):
    """What the guidelines say colours are for in a finished asset: the colour text is set in, and the
    call to action's colour and form. Hex values; ``None`` where the guidelines do not say."""

    text: HexColour | None = None
    cta: HexColour | None = None
    cta_form: Literal["button", "text"] | None = None
    sources: dict[str, SourceRef] = Field(default_factory=dict)  # field name -> where it was read


class SubBrand(_Model):
    name: str
    palette: list[BrandColor] = Field(default_factory=list)
    fonts: list[BrandFont] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)


class BrandProfile(_Model):
    """The structured brand: what later stages check prompts, layouts and images against."""

    name: str
    palette: list[BrandColor] = Field(default_factory=list)
    tints: list[BrandTint] = Field(default_factory=list)  # tints and ramps of palette colours (not new colours)
    forbidden_colors: list[BrandColor] = Field(default_factory=list)
    fonts: list[BrandFont] = Field(default_factory=list)
    banned_terms: list[BrandTerm] = Field(default_factory=list)
    tone: list[BrandRule] = Field(default_factory=list)
    logo_rules: list[BrandRule] = Field(default_factory=list)
    imagery_rules: list[BrandRule] = Field(default_factory=list)
    layout_rules: LayoutRules = Field(default_factory=LayoutRules)
    colour_use: ColourUse = Field(default_factory=ColourUse)
    sub_brands: list[SubBrand] = Field(default_factory=list)
    # Real people whose release the brand holds: their names may appear in prompts.
    released_people: list[str] = Field(default_factory=list)
    gate: GatePolicy = Field(default_factory=lambda: GatePolicy())
    overridden: list[str] = Field(default_factory=list)  # fields that came from the override file
    brand_kit: str | None = None  # folder with the logo file and font files, used at export

    @property
    def competitors(self) -> list[str]:
        return [t.term for t in self.banned_terms if t.kind == "competitor"]

    def accepted_colours(self) -> list[BrandColor]:
        """The palette and its tints: the colours an on-brand image may be made of."""
        tints = [BrandColor(name=t.name, hex=t.hex, role="other", source=t.source) for t in self.tints]
        return [*self.palette, *tints]

    def contract_json(self) -> dict[str, object]:
        """The JSON shape of ``onbrand brand show --json`` (a stable contract), plus provenance."""
        layout = self.layout_rules.model_dump(
            exclude={"sources": True, "logo_minimums": {"__all__": {"source"}}}, exclude_none=True
        )
        return {
            "name": self.name,
            "palette": [
                {
                    "name": c.name,
                    "hex": c.hex,
                    "role": c.role,
                    "rgb": list(c.rgb) if c.rgb else None,
                    "cmyk": list(c.cmyk) if c.cmyk else None,
                    "pantone": c.pantone,
                }
                for c in self.palette
            ],
            "tints": [{"name": t.name, "hex": t.hex, "base": t.base} for t in self.tints],
            "fonts": [f.family for f in self.fonts if f.usage != "fallback"] or [f.family for f in self.fonts],
            "fallback_fonts": [f.family for f in self.fonts if f.usage == "fallback"],
            "banned_terms": [t.term for t in self.banned_terms],
            "competitors": self.competitors,
            "tone": [r.text for r in self.tone],
            "logo_rules": [r.text for r in self.logo_rules],
            "imagery_rules": [r.text for r in self.imagery_rules],
            "layout_rules": layout,
            "forbidden_colors": [{"name": c.name, "hex": c.hex} for c in self.forbidden_colors],
            "colour_use": self.colour_use.model_dump(exclude={"sources"}, exclude_none=True),
            "sub_brands": [s.name for s in self.sub_brands],
            "overridden": self.overridden,
            "sources": self._sources(),
        }

    def _sources(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []

        def add(field: str, value: str, ref: SourceRef | None) -> None:
            if ref is not None:
                out.append({"field": field, "value": value, **ref.model_dump(exclude_none=True)})

        for c in self.palette:
            add("palette", c.hex, c.source)
        for f in self.fonts:
            add("fonts", f.family, f.source)
        for t in self.banned_terms:
            add("banned_terms", t.term, t.source)
        for field, rules in (
            ("tone", self.tone),
            ("logo_rules", self.logo_rules),
            ("imagery_rules", self.imagery_rules),
        ):
            for r in rules:
                add(field, r.text, r.source)
        for key, ref in self.layout_rules.sources.items():
            add(f"layout_rules.{key}", str(getattr(self.layout_rules, key, "")), ref)
        return out


class IngestedBrand(_Model):
    """What :func:`pipeline.brand.ingest.ingest_brand` did: the ingest report, and the profile it
    extracted and saved (None when no document was read)."""

    report: IngestReport
    profile: BrandProfile | None = None


# --- briefs and channels ---------------------------------------------------------------------


class ChannelSpec(_Model):
    """A place a draft is published, with its final pixel size and the aspect it is rendered at."""

    name: str
    label: str = ""
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    render_aspect: float | None = Field(default=None, gt=0)  # width/height to render at; None = exact
    safe_area: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # top, right, bottom, left insets
    aliases: list[str] = Field(default_factory=list)  # what people call it in chat ("story", "tweet")

    @property
    def aspect(self) -> float:
        return self.render_aspect or self.width / self.height

    def render_size(self, base: int = 512, multiple: int = 8) -> tuple[int, int]:
        """Render size with about ``base * base`` pixels at the render aspect, both sides multiples of
        ``multiple``. Where snapping would bend the aspect (a 2.5:1 banner at 128 px with a multiple of
        32), a somewhat smaller or larger size that keeps the aspect is preferred.

        >>> ChannelSpec(name="story", width=1080, height=1920).render_size(512, 64)
        (384, 704)
        >>> ChannelSpec(name="banner", width=1920, height=600, render_aspect=2.5).render_size(128, 32)
        (160, 64)
        """
        import math

        area = base * base
        best: tuple[float, int, int] | None = None
        ideal_h = (area / self.aspect) ** 0.5
        for k in range(1, max(2, round(2 * ideal_h / multiple)) + 1):
            h = k * multiple
            w = max(multiple, round(h * self.aspect / multiple) * multiple)
            cost = abs(math.log(w / h / self.aspect)) + 0.5 * abs(math.log(w * h / area))
            if best is None or cost < best[0] - 1e-9:
                best = (cost, w, h)
        assert best is not None
        return best[1], best[2]


CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class Brief(_Model):
    """What a marketer asks for. Loaded from ``brief.yaml`` by :func:`pipeline.briefs.load_brief`."""

    campaign: str = Field(min_length=1, max_length=120)
    brand: str = Field(min_length=1)
    product: str = Field(min_length=1)
    goal: str = ""
    audience: str = ""
    message: str = ""
    headline: str = ""
    cta: str = ""
    mood: list[str] = Field(default_factory=list)
    channels: list[str] = Field(min_length=1)
    drafts_per_channel: int = Field(default=2, ge=1, le=16)
    must_include: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    schedule: str | None = None  # cron, e.g. "0 9 * * 1" (Mondays at 09:00)

    @field_validator("mood", "must_include", "avoid", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("campaign", "brand")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        # Names become draft ids, folder names and database keys: a NUL byte (which PostgreSQL
        # cannot store) or a line break is refused, never silently dropped.
        if CONTROL_CHARS.search(value):
            raise ValueError("contains a control character (a NUL byte, tab or line break); use one line of text")
        return value

    @field_validator("schedule")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from cronsim import CronSim, CronSimError

        fields = value.split()
        if len(fields) != 5:
            raise ValueError(f"'{value}' is not a 5-field cron expression like '0 9 * * 1' (Mondays at 09:00)")
        try:
            CronSim(" ".join(fields), datetime(2000, 1, 1))
        except CronSimError as exc:
            raise ValueError(f"'{value}' is not a valid cron expression ({exc}); write one like '0 9 * * 1'") from exc
        return " ".join(fields)

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for name in value:
            if name in seen:
                raise ValueError(f"channel '{name}' is listed twice")
            seen.append(name)
        return seen


# --- layouts and plans -----------------------------------------------------------------------

BoxRole = Literal["product", "headline", "logo", "cta", "free"]


class Box(_Model):
    """A role-labelled rectangle in canvas fractions: (x0, y0) top-left, (x1, y1) bottom-right, 0..1.

    The same shape as a layout file's boxes: ``{"role": "logo", "x0": 0.8, "y0": 0.85, "x1": 0.95, "y1": 0.95}``.
    """

    role: BoxRole
    x0: float
    y0: float
    x1: float
    y1: float

    @model_validator(mode="after")
    def _inside_canvas(self) -> Box:
        eps = 1e-6
        coords = (self.x0, self.y0, self.x1, self.y1)
        if min(coords) < -eps or max(coords) > 1 + eps:
            raise ValueError(f"{self.role} box {coords} leaves the canvas; use fractions from 0 to 1")
        if self.x1 <= self.x0 or self.y1 <= self.y0:
            raise ValueError(f"{self.role} box {coords} is empty; x1 must exceed x0 and y1 exceed y0")
        return self

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return self.w * self.h


class Layout(_Model):
    aspect: float = Field(gt=0)  # canvas width / height
    boxes: list[Box]
    template: str = "custom"

    def boxes_with_role(self, role: BoxRole) -> list[Box]:
        return [b for b in self.boxes if b.role == role]


PlanAspect = Literal[
    "product_colour",
    "background",
    "light",
    "mood",
    "product_side",
    "product_size",
    "space_above",
    "space_around",
    "add",
    "remove",
]


class PlanChange(_Model):
    """One change a reviewer's note made to a plan: what changed, to what, and the words that asked."""

    aspect: PlanAspect
    value: str  # what the plan gets: "teal", "left", "more", "warm morning light", "a wedge of lemon"
    detail: str = ""  # what that stands for, where it matters: "Tidewell Teal #0F7C8C"
    was: str = ""  # what it was, where that is known
    reason: str  # the note's words it was read from: "make the can teal like the brand"

    def describe(self) -> str:
        """One line for people: "product colour: white -> teal (Tidewell Teal #0F7C8C), from 'make the can teal'"."""
        what = self.value + (f" ({self.detail})" if self.detail else "")
        change = f"{self.was} -> {what}" if self.was and self.was != self.value else what
        return f"{self.aspect.replace('_', ' ')}: {change}, from '{self.reason}'"


class NoteReading(_Model):
    """A reviewer's note read into plan changes: what will change, and what could not be acted on."""

    note: str
    changes: list[PlanChange] = Field(default_factory=list)
    not_acted_on: list[str] = Field(default_factory=list)  # the note's words no change came from
    reader: str = "offline"  # "offline" (cue lexicon and MiniLM) or the LLM that read it
    warnings: list[str] = Field(default_factory=list)  # e.g. the LLM failed and the offline reader took over


class DraftPlan(_Model):
    """Everything needed to render one draft, reproducibly."""

    id: str  # stable key: campaign-channel-index, plus -rN for the Nth re-plan
    campaign: str
    brand: str
    channel: str
    width: int = Field(gt=0)  # render size, at the channel's aspect
    height: int = Field(gt=0)
    prompt: str
    negative_prompt: str = ""
    seed: int = Field(ge=0)
    layout: Layout
    controlnet: str = "boxes"  # the condition drawn from the layout: boxes or segmentation
    controlnet_scale: float = Field(default=0.8, ge=0, le=2)
    composition: str = ""  # what makes this draft different from its siblings, in words
    headline: str = ""  # the brief's copy, set at export in the layout's headline and CTA boxes
    cta: str = ""
    rule_chunks: list[str] = Field(default_factory=list)  # guideline chunk ids the plan used
    rule_quotes: list[str] = Field(default_factory=list)  # the rule sentences it used, for reviewers
    parent_id: str | None = None  # the plan this one re-plans
    generation: int = Field(default=0, ge=0)  # 0 = first plan, N = the Nth re-plan
    replan_reason: str = ""  # why it was re-planned: the failed checks and what changed
    changes: list[PlanChange] = Field(default_factory=list)  # what a reviewer's note changed, each with its reason
    not_acted_on: list[str] = Field(default_factory=list)  # parts of the note that could not be acted on


class CampaignPlan(_Model):
    """A brief turned into drafts: one plan per channel x draft, and what the planner changed or dropped."""

    campaign: str
    brand: str
    brief: Brief
    drafts: list[DraftPlan]
    planner: str = "template"  # "template" or the LLM that wrote it ("openai:gpt-4o-mini")
    warnings: list[str] = Field(default_factory=list)  # one line per change made to the brief's asks

    def contract_json(self) -> dict[str, Any]:
        """The JSON of ``onbrand plan --json`` (a stable contract)."""
        return {
            "campaign": self.campaign,
            "brand": self.brand,
            "planner": self.planner,
            "plans": [
                {
                    "id": d.id,
                    "channel": d.channel,
                    "width": d.width,
                    "height": d.height,
                    "prompt": d.prompt,
                    "negative_prompt": d.negative_prompt,
                    "seed": d.seed,
                    "layout": {
                        "template": d.layout.template,
                        "aspect": d.layout.aspect,
                        "boxes": [b.model_dump(mode="json") for b in d.layout.boxes],
                    },
                    "controlnet": d.controlnet,
                    "controlnet_scale": d.controlnet_scale,
                    "composition": d.composition,
                    "rules": d.rule_quotes,
                    "rule_chunks": d.rule_chunks,
                }
                for d in self.drafts
            ],
            "warnings": self.warnings,
        }


class Draft(_Model):
    plan: DraftPlan
    image_path: str
    condition_path: str | None = None
    model: str
    steps: int = Field(ge=1)
    seconds: float = Field(ge=0)
    image_sha256: str = ""


# --- evaluation and review -------------------------------------------------------------------


class GateReason(_Model):
    """Why the prompt gate blocked a prompt: the rule, the words that matched, and where the rule is from."""

    rule: str  # "safety:gore", "people:public_figure", "people:release", "brand:banned_term", "brand:imagery", ...
    matched: str  # the words of the prompt that triggered it
    message: str  # one line for people
    source: SourceRef | None = None  # for brand rules: the guideline passage the rule was read from


class ClassifierReading(_Model):
    """What the learned prompt classifier made of a prompt, or why it could not say."""

    status: Literal["ok", "unavailable"]
    score: float | None = Field(default=None, ge=0, le=1)  # how likely the prompt asks for unsafe content
    category: str | None = None  # the nearest unsafe category (sexual, minors, violence, ...)
    note: str = ""  # for "unavailable": what is wrong (missing or corrupt weight file) and how to fix it
    stage: Literal["quick", "full"] | None = None  # "quick": read as safe from token vectors, MiniLM not run


class PromptVerdict(_Model):
    """The prompt gate's answer. ``allowed`` prompts may still carry ``flags``: doubts that do not
    block (the classifier's middle band, or the classifier being unavailable), so a person must look."""

    prompt: str
    allowed: bool
    reasons: list[GateReason] = Field(default_factory=list)
    flags: list[GateReason] = Field(default_factory=list)
    classifier: ClassifierReading | None = None  # None: no classifier was asked (a lists-only gate)

    @property
    def review(self) -> bool:
        """Allowed, but only with a person's look (flagged)."""
        return self.allowed and bool(self.flags)


class PromptClassifierCard(_Model):
    """What ``onbrand train-prompt-classifier`` built: the file, its data, its thresholds and how the
    thresholds did on the validation split they were chosen on (lists and classifier together)."""

    path: str
    bytes: int
    seed: int
    regularisation: float  # logistic regression's C
    class_weight: str  # "balanced" or "none"
    block_threshold: float
    review_threshold: float
    skip_threshold: float  # the quick stage's score below which MiniLM is not run
    validation_quick_share: float  # validation prompts the quick stage alone read
    train_items: int
    validation_items: int
    planner_prompts: int
    counts: dict[str, int]  # items by category
    sources: dict[str, int]  # items by source
    validation_recall: float  # unsafe prompts blocked
    validation_recall_with_review: float  # blocked or flagged
    validation_false_positives: float  # ordinary safe prompts blocked
    validation_tricky_false_positives: float  # tricky and marketing prompts blocked
    validation_review_share: float  # safe prompts flagged for review
    validation_text_false_positives: float  # safe messages (not prompts) blocked: reported, not a target
    validation_per_category: dict[str, float]  # share blocked, by category
    validation_nearest_category: float  # unsafe prompts whose nearest category is their label
    fp16_max_score_change: float


CheckStatus = Literal["pass", "warn", "fail", "skipped"]
Verdict = Literal["approve", "review", "reject"]


class Check(_Model):
    name: str  # fixed names: nsfw, faces, text_artifacts, palette, layout, sharpness, ...
    status: CheckStatus
    score: float | None = None
    reason: str
    data: dict[str, Any] = Field(default_factory=dict)  # measurements for the UI: boxes, swatches, hashes


class EvalReport(_Model):
    draft_id: str
    checks: list[Check]
    verdict: Verdict = "review"  # from the brand's GatePolicy
    reasons: list[str] = Field(default_factory=list)  # why that verdict, one line each

    @property
    def worst(self) -> Literal["pass", "warn", "fail"]:
        statuses = {c.status for c in self.checks}
        if "fail" in statuses:
            return "fail"
        return "warn" if "warn" in statuses else "pass"

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


class GatePolicy(_Model):
    """How the eval gate turns checks into a verdict, per brand (the override file's ``gate:``)."""

    # a fail of any of these rejects the draft; nsfw and faces are safety checks and always do.
    # Add colour_match to re-plan (with a new seed) every product in another colour than asked; by
    # default it is flagged for the reviewer, because the bundled draft model misses some colour and
    # backdrop pairs on every seed and a campaign would end with nothing to review.
    reject_on: list[str] = Field(default_factory=lambda: ["duplicate"])
    # only with this set does a draft that passes every check skip human review
    auto_approve: bool = False
    # faces in a draft: allowed, warn that a model release is needed, or fail ("never show people")
    people: Literal["allowed", "release_required", "forbidden"] | None = None  # None: from the imagery rules
    nsfw_fail: float = Field(default=0.6, ge=0, le=1)  # NudeNet score of an exposed-anatomy class
    nsfw_warn: float = Field(default=0.45, ge=0, le=1)  # a coffee cup scores up to ~0.37
    text_min_confidence: float = Field(default=0.75, ge=0, le=1)  # OCR confidence that counts as text
    palette_match_delta_e: float = Field(default=18.0, gt=0)  # CIEDE2000 within which a colour is the brand's
    palette_fail_below: float = Field(default=0.5, ge=0, le=1)  # share of the image in brand colours
    palette_warn_below: float = Field(default=0.75, ge=0, le=1)
    # the product's pixels count for at least this share of the palette check (it is what the brief is about)
    palette_product_weight: float = Field(default=0.5, ge=0, le=1)
    # CIEDE2000 beyond which the product (or background) is not the colour the prompt asked for
    colour_match_delta_e: float = Field(default=20.0, gt=0)
    neutral_chroma: float = Field(default=10.0, ge=0)  # greys, white and black go with any palette
    layout_min_inside: float = Field(default=0.6, ge=0, le=1)  # share of the product inside its box
    negative_space_max_edges: float = Field(default=0.06, ge=0, le=1)  # edge-pixel share in text boxes
    sharpness_fail_below: float = Field(default=0.12, ge=0)  # edge crispness, see image_checks._sharpness
    sharpness_warn_below: float = Field(default=0.25, ge=0)
    exposure_clip_warn: float = Field(default=0.35, ge=0, le=1)  # share of clipped pixels (not flat bg)
    duplicate_max_distance: int = Field(default=6, ge=0, le=64)  # perceptual-hash bits


DecisionAction = Literal["approve", "reject", "request_changes"]


class Decision(_Model):
    draft_id: str
    action: DecisionAction
    reviewer: str = Field(min_length=1)
    note: str = ""
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


# --- the review store and campaign runs ------------------------------------------------------

Status = Literal[
    "generated", "rejected_by_gate", "in_review", "approved", "rejected", "changes_requested", "exported", "failed"
]
STATUSES: tuple[Status, ...] = Status.__args__  # type: ignore[attr-defined]
RunStatus = Literal["running", "completed", "failed", "crashed"]
Trigger = Literal["manual", "schedule", "chat", "ui", "review", "deployment"]


class StoredDraft(_Model):
    """A draft as the review queue holds it: where it stands, the gate's verdict and every check."""

    id: str
    campaign: str
    channel: str
    status: Status
    verdict: Verdict
    image: str
    prompt: str
    seed: int
    parent_id: str | None
    version: int
    reasons: list[str]
    checks: list[Check]
    updated_at: datetime
    run_id: str | None = None

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def flagged(self) -> list[Check]:
        """The checks that warned or failed."""
        return [c for c in self.checks if c.status in ("warn", "fail")]

    def contract_json(self) -> dict[str, Any]:
        """One draft of ``onbrand review list --json`` (a stable contract)."""
        return {
            "id": self.id,
            "campaign": self.campaign,
            "channel": self.channel,
            "image": self.image,
            "status": self.status,
            "verdict": self.verdict,
            "checks": [{"name": c.name, "status": c.status, "score": c.score, "reason": c.reason} for c in self.checks],
        }


class DraftDetail(_Model):
    """Everything stored about one draft: its plan, its render (None when rendering failed) and its
    eval report (None before the gate ran)."""

    plan: DraftPlan
    draft: Draft | None = None
    report: EvalReport | None = None


class DecisionEntry(_Model):
    """One row of the append-only decision log (``export`` is logged here too)."""

    id: int
    draft_id: str
    action: str
    reviewer: str
    note: str
    from_status: str
    to_status: str
    at: datetime


class RunRecord(_Model):
    """One campaign run: what started it, how it ended, and what it made."""

    id: str
    campaign: str
    brief: str
    trigger: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    planned: int  # drafts this run set out to render (re-plans it queued included)
    rendered: int
    failed: int
    error: str
    requested_by: str = ""  # who started it: a person's name, "schedule", ...
    skipped: int = 0  # drafts of its plan already stored by an earlier run (not rendered again)


SignInEventKind = Literal["signed_in", "failed", "locked", "signed_out"]


class SignInEvent(_Model):
    """One row of the UI's sign-in log: a success, a wrong password, a refused locked-out try, a sign-out."""

    id: int
    username: str
    event: SignInEventKind
    session_id: str = ""
    address: str = ""
    at: datetime


class CampaignRequest(_Model):
    """Start a campaign: what the CLI, the chat agent, the UI and a schedule all ask for.

    Validated once, by :func:`pipeline.campaign.request.prepare_campaign`, before anything runs."""

    brief: str = Field(min_length=1)  # a brief's name (file stem) or a path to its YAML file
    channels: list[str] | None = None  # only these of the brief's channels (None: all of them)
    count: int | None = None  # drafts per channel (None: the brief's; capped at 16 with a warning)
    max_replans: int = Field(default=1, ge=0, le=5)  # re-plan and re-render gate rejections this often
    settings_overrides: dict[str, Any] = Field(default_factory=dict)  # settings the caller resolved already
    trigger: Trigger = "manual"
    requested_by: str = ""  # who asked: a reviewer's name, "schedule", ...
    # "auto": as a run of the brief's Prefect deployment when a server serves it, else in this process;
    # "here": always in this process (``onbrand run`` and the UI's Run now).
    run_in: Literal["auto", "here"] = "auto"


class PreparedCampaign(_Model):
    """A :class:`CampaignRequest` checked and resolved: the brief loaded from its file, the brand's
    merged profile, the channels and count to plan, and what was changed on the way (a capped count)."""

    request: CampaignRequest
    brief_path: str
    brief: Brief
    profile: BrandProfile
    channels: list[str] | None = None
    count: int | None = None
    warnings: list[str] = Field(default_factory=list)


class CampaignRun(_Model):
    """What a campaign run made: the drafts of its plan as stored (re-plans included), and how the run
    went. ``via`` is "in-process" or the Prefect deployment that ran it; ``status`` is the run's state
    ("completed", or a deployment run's state when it was still going)."""

    campaign: str
    run_id: str
    drafts: list[StoredDraft] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    via: str = "in-process"
    status: str = "completed"
    plan: CampaignPlan | None = None  # the plan the run rendered (in-process runs)
    new: int | None = None  # drafts this run rendered (None: not known, a deployment run still going)

    def contract_json(self) -> dict[str, Any]:
        """The JSON of ``onbrand run --json`` (a stable contract)."""
        return {
            "campaign": self.campaign,
            "run_id": self.run_id,
            "drafts": [
                {"id": d.id, "channel": d.channel, "image": d.image, "verdict": d.verdict, "status": d.status}
                for d in self.drafts
            ],
        }


class RevisedDraft(_Model):
    """A draft re-planned with a reviewer's note, rendered, gated and stored (the revise flow's result)."""

    id: str
    parent_id: str
    image: str
    verdict: Verdict
    status: Status
    run_id: str
    changes: list[PlanChange] = Field(default_factory=list)  # what the note changed, each with its reason
    not_acted_on: list[str] = Field(default_factory=list)  # parts of the note that could not be acted on


# --- export ----------------------------------------------------------------------------------


class ColourChoice(_Model):
    """The colour a part of a final asset was set in, and why (recorded in the export manifest)."""

    hex: HexColour
    name: str = ""  # the brand's name for it, where it is a palette colour or tint
    contrast: float | None = None  # WCAG contrast against what it is set on (None: a fill, not text)
    reason: str


class Composition(_Model):
    """How one final asset was composed: text and call-to-action colours with their reasons, the
    call to action's form, the logo file, the safe area kept, and notes for the reviewer."""

    text: dict[str, ColourChoice] = Field(default_factory=dict)  # box role (headline, cta) -> its text colour
    cta_form: Literal["button", "text"] | None = None  # None: no call to action was set
    cta_fill: ColourChoice | None = None  # the button's colour, when the call to action is a button
    logo: str | None = None  # the kit's logo file name; None when no logo was placed
    safe_area: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # insets kept clear: top, right, bottom, left
    boxes: list[Box] = Field(default_factory=list)  # where text and logo were finally placed (canvas fractions)
    notes: list[str] = Field(default_factory=list)

    @property
    def contrast(self) -> dict[str, float]:
        """Box role -> contrast ratio achieved by its text."""
        return {role: c.contrast for role, c in self.text.items() if c.contrast is not None}


# --- who is acting ---------------------------------------------------------------------------

Role = Literal["viewer", "reviewer", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "reviewer", "admin")  # each may do what the ones before it may
# What changes state, and the least role that may do it. The check lives in the functions that do
# these things (the review store, the launch, the revise flow, the export, the brand store, the
# users file), so the UI, the chat and the command line cannot drift apart.
Permission = Literal["decide", "run", "revise", "export", "brand", "upload", "users"]
NEEDS: dict[Permission, Role] = {
    "decide": "reviewer",  # approve, reject, request changes, reopen
    "run": "reviewer",  # start a campaign run
    "revise": "reviewer",  # re-plan and re-render a draft with a note
    "export": "reviewer",  # write final assets
    "brand": "admin",  # install or edit a brand's override file
    "upload": "admin",  # add guidelines (ingest) or briefs
    "users": "admin",  # add users or change their roles
}
PERMISSION_WORDS: dict[Permission, str] = {
    "decide": "deciding on drafts",
    "run": "running campaigns",
    "revise": "requesting changes",
    "export": "exporting",
    "brand": "changing the brand profile",
    "upload": "adding guidelines or briefs",
    "users": "managing users",
}


class Actor(_Model):
    """Who is asking for a change: the name it is recorded under and their role.

    >>> Actor(name="maya", role="reviewer").can("decide"), Actor(name="vic", role="viewer").can("run")
    (True, False)
    """

    name: str = Field(min_length=1, max_length=200)
    role: Role

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("is empty; give the person's name")
        return value

    def can(self, permission: Permission) -> bool:
        return ROLES.index(self.role) >= ROLES.index(NEEDS[permission])

    def require(self, permission: Permission) -> None:
        """Raise :class:`pipeline.errors.PermissionDenied` unless this actor may do ``permission``."""
        if not self.can(permission):
            from pipeline.errors import PermissionDenied

            raise PermissionDenied(
                f"{PERMISSION_WORDS[permission]} needs the {NEEDS[permission]} role; "
                f"{self.name} is {'an' if self.role == 'admin' else 'a'} {self.role}"
            )


class ChangeRequest(_Model):
    """A reviewer's request for changes, checked and recorded: the draft as sent back, the note, and
    the revised plan to render (what :func:`flows.launch.request_changes` hands the revise flow)."""

    draft: StoredDraft
    note: str
    plan: DraftPlan


# --- the chat agent's tools ------------------------------------------------------------------


class ToolResult(_Model):
    """What a chat tool returns: a one-line ``summary`` the reply can quote, or an ``error`` (a user
    mistake: an unknown brief, a viewer approving). Each tool has its own subclass; ``contract_json``
    is the result as ``onbrand chat --json`` prints it."""

    summary: str = ""
    error: str | None = None

    def payload(self) -> dict[str, Any]:
        """The tool's own fields, as JSON."""
        return self.model_dump(mode="json", exclude={"summary", "error"})

    def contract_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error}
        return {**self.payload(), "summary": self.summary}


class Passage(_Model):
    text: str
    source: str
    section: str
    page: int | None = None
    score: float


class GuidelinesResult(ToolResult):
    brand: str
    passages: list[Passage] = Field(default_factory=list)


class ProfileResult(ToolResult):
    profile: BrandProfile

    def payload(self) -> dict[str, Any]:
        data = self.profile.contract_json()
        data.pop("sources", None)
        return data


class PromptCheckResult(ToolResult):
    prompt: str
    allowed: bool
    reasons: list[GateReason] = Field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        reasons = [{"rule": r.rule, "matched": r.matched, "message": r.message} for r in self.reasons]
        return {"prompt": self.prompt, "allowed": self.allowed, "reasons": reasons}


class PlanResult(ToolResult):
    plan: CampaignPlan

    def payload(self) -> dict[str, Any]:
        return self.plan.contract_json()


class CampaignResult(ToolResult):
    run: CampaignRun

    def payload(self) -> dict[str, Any]:
        return {
            **self.run.contract_json(),
            "warnings": self.run.warnings,
            "via": self.run.via,
            "status": self.run.status,
        }


class ReviewStatusResult(ToolResult):
    campaign: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    waiting: list[str] = Field(default_factory=list)


class DecisionResult(ToolResult):
    id: str
    status: Status
    by: str
