"""Where brand profiles live, and the user's override file that wins over extraction.

Extracted profiles are JSON under ``$ONBRAND_HOME/brands/<slug>/profile.json``, rewritten
atomically after every ingest. A person corrects them in ``$ONBRAND_HOME/brands/<brand>.yaml``
(or with ``onbrand brand set NAME FILE``): every field listed there replaces the extracted one,
``layout_rules`` key by key; fields left out keep what extraction found.

    >>> store = ProfileStore(Settings(home="/tmp/ws"))
    >>> store.profile("Tidewell").palette[0].hex  # doctest: +SKIP
    '#1F6F8B'
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import UserError
from pipeline.files import atomic_write_text, describe_validation_error, read_yaml_mapping
from pipeline.models import (
    Actor,
    BrandColor,
    BrandFont,
    BrandProfile,
    BrandRule,
    BrandTerm,
    ColorRole,
    ColourUse,
    GatePolicy,
    LayoutRules,
    SourceRef,
)
from pipeline.slugs import brand_key, brand_slug, override_slug


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColorOverride(_Strict):
    name: str
    hex: str
    role: ColorRole = "other"

    @field_validator("hex", mode="before")
    @classmethod
    def _hex(cls, value: str) -> str:
        return BrandColor(name="", hex=value).hex if _is_hex(value) else _bad_hex(value)


def _is_hex(value: object) -> bool:
    return bool(re.fullmatch(r"#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})", str(value).strip()))


def _bad_hex(value: object) -> str:
    raise ValueError(f"'{value}' is not a colour like #1F6F8B")


class FontOverride(_Strict):
    family: str
    usage: str = ""


class RuleOverride(_Strict):
    text: str
    polarity: Literal["do", "dont", "info"] = "info"
    subjects: list[str] = Field(default_factory=list)


class LayoutOverride(LayoutRules):
    model_config = ConfigDict(extra="forbid")


class ColourUseOverride(_Strict):
    """``colour_use:`` in the override file: keys listed replace what extraction found."""

    text: str | None = None
    cta: str | None = None
    cta_form: Literal["button", "text"] | None = None

    @field_validator("text", "cta", mode="before")
    @classmethod
    def _hex(cls, value: object) -> object:
        if value is None:
            return None
        return BrandColor(name="", hex=value).hex if _is_hex(value) else _bad_hex(value)


class BrandOverride(_Strict):
    """The override file's schema: every field optional; a listed field replaces the extracted one."""

    palette: list[ColorOverride] | None = None
    forbidden_colors: list[ColorOverride] | None = None
    fonts: list[str | FontOverride] | None = None
    banned_terms: list[str] | None = None
    competitors: list[str] | None = None
    tone: list[str] | None = None
    logo_rules: list[str] | None = None
    imagery_rules: list[str | RuleOverride] | None = None
    layout_rules: dict[str, object] | None = None
    released_people: list[str] | None = None  # real people whose release the brand holds
    gate: GatePolicy | None = None  # thresholds of the eval gate; listed keys replace the defaults
    brand_kit: str | None = None  # folder with logo and fonts, relative to the override file or absolute
    # the colour text is set in, and the call to action's colour and form:
    # {text: "#12304A", cta: "#F2B233", cta_form: button}
    colour_use: ColourUseOverride | None = None


class ProfileStore:
    def __init__(self, settings: object) -> None:
        self.brands_dir: Path = settings.brands_dir  # type: ignore[attr-defined]

    # extracted ----------------------------------------------------------------------------
    def extracted_path(self, brand: str) -> Path:
        return self.brands_dir / brand_slug(brand) / "profile.json"

    def save_extracted(self, profile: BrandProfile) -> Path:
        path = self.extracted_path(profile.name)
        atomic_write_text(path, profile.model_dump_json(indent=2))
        return path

    def load_extracted(self, brand: str) -> BrandProfile | None:
        path = self.extracted_path(brand)
        if not path.is_file():
            return None
        return BrandProfile.model_validate_json(path.read_text(encoding="utf-8"))

    def known_brands(self) -> list[str]:
        names = []
        for path in sorted(self.brands_dir.glob("*/profile.json")):
            try:
                names.append(json.loads(path.read_text(encoding="utf-8"))["name"])
            except (OSError, ValueError, KeyError):
                continue
        return names

    # overrides ----------------------------------------------------------------------------
    def override_path(self, brand: str) -> Path:
        """``brands/<brand>.yaml``: the brand's name in any case, or its simple slug ("acme-co")."""
        wanted = {brand_key(brand), override_slug(brand)}
        if self.brands_dir.is_dir():
            for path in sorted(self.brands_dir.iterdir()):
                if path.suffix in (".yaml", ".yml") and path.is_file() and brand_key(path.stem) in wanted:
                    return path
        return self.brands_dir / f"{override_slug(brand)}.yaml"

    def read_override(self, path: Path) -> BrandOverride:
        data = read_yaml_mapping(path)
        try:
            override = BrandOverride.model_validate(data)
            if override.layout_rules is not None:
                LayoutOverride.model_validate(override.layout_rules)
        except ValidationError as exc:
            message = describe_validation_error(path, exc)
            if "layout_rules" in str(exc.title) or "LayoutOverride" in str(exc.title):
                message = message.replace(f"{path}: ", f"{path}: layout_rules.", 1)
            raise UserError(message) from exc
        return override

    def set_override(self, brand: str, source: Path, actor: Actor) -> Path:
        """Install ``source`` as the brand's override file, validated first (``actor``: admin role)."""
        actor.require("brand")
        override = self.read_override(source)  # validate before anything is replaced
        target = self.override_path(brand)
        atomic_write_text(
            target,
            yaml.safe_dump(override.model_dump(exclude_none=True, mode="json"), sort_keys=False, allow_unicode=True),
        )
        return target

    # merged -------------------------------------------------------------------------------
    def profile(self, brand: str) -> BrandProfile:
        extracted = self.load_extracted(brand)
        path = self.override_path(brand)
        if extracted is None and not path.is_file():
            known = ", ".join(self.known_brands()) or "none yet"
            raise UserError(
                f"brand '{brand}' has no profile (known brands: {known}); run: onbrand ingest PATH --brand '{brand}'"
            )
        profile = extracted or BrandProfile(name=" ".join(brand.split()))
        if path.is_file():
            profile = apply_override(profile, self.read_override(path), path)
        return profile


def apply_override(profile: BrandProfile, override: BrandOverride, path: Path) -> BrandProfile:
    ref = SourceRef(source=str(path), section="override")
    merged = profile.model_copy(deep=True)
    fields: list[str] = []
    if override.palette is not None:
        merged.palette = [BrandColor(name=c.name, hex=c.hex, role=c.role, source=ref) for c in override.palette]
        fields.append("palette")
    if override.forbidden_colors is not None:
        merged.forbidden_colors = [
            BrandColor(name=c.name, hex=c.hex, role=c.role, source=ref) for c in override.forbidden_colors
        ]
        fields.append("forbidden_colors")
    if override.fonts is not None:
        merged.fonts = [
            BrandFont(family=f, source=ref)
            if isinstance(f, str)
            else BrandFont(family=f.family, usage=f.usage, source=ref)
            for f in override.fonts
        ]
        fields.append("fonts")
    if override.banned_terms is not None or override.competitors is not None:
        banned = (
            [BrandTerm(term=t, kind="banned", source=ref) for t in override.banned_terms]
            if override.banned_terms is not None
            else [t for t in merged.banned_terms if t.kind != "competitor"]
        )
        rivals = (
            [BrandTerm(term=t, kind="competitor", source=ref) for t in override.competitors]
            if override.competitors is not None
            else [t for t in merged.banned_terms if t.kind == "competitor"]
        )
        merged.banned_terms = banned + [
            r for r in rivals if r.term.casefold() not in {b.term.casefold() for b in banned}
        ]
        fields += [f for f in ("banned_terms", "competitors") if getattr(override, f) is not None]
    for field, kind in (("tone", "tone"), ("logo_rules", "logo")):
        values = getattr(override, field)
        if values is not None:
            setattr(merged, field, [BrandRule(text=t, kind=kind, source=ref) for t in values])
            fields.append(field)
    if override.imagery_rules is not None:
        merged.imagery_rules = [
            BrandRule(text=r, kind="imagery", source=ref)
            if isinstance(r, str)
            else BrandRule(text=r.text, kind="imagery", polarity=r.polarity, subjects=r.subjects, source=ref)
            for r in override.imagery_rules
        ]
        fields.append("imagery_rules")
    if override.gate is not None:
        merged.gate = GatePolicy.model_validate(
            {**merged.gate.model_dump(), **override.gate.model_dump(exclude_unset=True)}
        )
        fields.append("gate")
    if override.released_people is not None:
        merged.released_people = [" ".join(n.split()) for n in override.released_people if n.strip()]
        fields.append("released_people")
    if override.layout_rules is not None:
        data = merged.layout_rules.model_dump()
        data.update(override.layout_rules)
        for key in override.layout_rules:
            data["sources"][key] = ref.model_dump()
        merged.layout_rules = LayoutRules.model_validate(data)
        fields.append("layout_rules")
    if override.colour_use is not None:
        given = override.colour_use.model_dump(exclude_unset=True)
        merged.colour_use = ColourUse.model_validate(
            {
                **merged.colour_use.model_dump(),
                **given,
                "sources": {**merged.colour_use.sources, **{k: ref for k in given}},
            }
        )
        fields.append("colour_use")
    if override.brand_kit is not None:
        kit = Path(override.brand_kit).expanduser()
        merged.brand_kit = str(kit if kit.is_absolute() else (path.parent / kit).resolve())
        fields.append("brand_kit")
    merged.overridden = fields
    return merged
