"""Profile extraction: on the sample brand, on a differently written fixture brand, and on small texts
that each exercise one way guidelines state a rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.brand.profile import extract_profile, split_sub_brands
from pipeline.knowledge.chunking import chunk_blocks
from pipeline.knowledge.loaders.text import text_to_blocks
from pipeline.knowledge.store import KnowledgeBase
from pipeline.models import BrandProfile, GuidelineChunk
from tests.conftest import FIXTURES

EXPECTED = {
    "Tidewell": FIXTURES / "brands" / "tidewell_expected_profile.yaml",
    "Ardent Outdoor": FIXTURES / "brands" / "ardent" / "expected_profile.yaml",
    "Lumen Bank": FIXTURES / "brands" / "lumen" / "expected_profile.yaml",
    "Kestrel Coffee Roasters": FIXTURES / "brands" / "kesteral" / "expected_profile.yaml",
}
LAYOUT_KEYS = (
    "headline_band",
    "headline_band_max",
    "product_share_min",
    "product_share_max",
    "negative_space_min",
    "safe_margin",
)


def profile_of(markdown: str, brand: str = "Acme") -> BrandProfile:
    """Extract a profile from one Markdown guideline held in a string."""
    import tempfile

    from pipeline.knowledge.loaders.markdown import load_markdown

    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "guide.md"
        doc.write_text(markdown, encoding="utf-8")
        blocks = load_markdown(doc)
    return extract_profile(brand, chunk_blocks(blocks, brand=brand, source="guide.md"))


@pytest.mark.integration
@pytest.mark.parametrize("brand", list(EXPECTED))
def test_profile_matches_what_a_careful_reader_finds(sample_workspace: KnowledgeBase, brand: str) -> None:
    expected = yaml.safe_load(EXPECTED[brand].read_text())
    profile = extract_profile(brand, sample_workspace.chunks(brand))
    palette = {c.hex: c for c in profile.palette}
    for colour in expected["palette"]:
        assert colour["hex"] in palette, f"missing {colour}"
        assert palette[colour["hex"]].name == colour["name"]
        assert palette[colour["hex"]].role == colour["role"], colour
    for hex_code in expected["sub_brand_only_hexes"] + expected.get("forbidden_hexes", []):
        assert hex_code not in palette, f"{hex_code} leaked into the master palette"
    assert {c.hex for c in profile.forbidden_colors} >= set(expected.get("forbidden_hexes", []))
    fonts = profile.contract_json()["fonts"]
    assert set(expected["fonts"]) <= set(fonts)  # type: ignore[arg-type]
    assert not set(expected.get("fallback_fonts", [])) & set(fonts)  # type: ignore[arg-type]
    assert not set(expected.get("sub_brand_only_fonts", [])) & set(fonts)
    banned = {t.term.casefold() for t in profile.banned_terms}
    assert {t.casefold() for t in expected["banned_terms"]} <= banned
    assert set(profile.competitors) == set(expected["competitors"])
    subjects = {s for r in profile.imagery_rules if r.polarity == "dont" for s in r.subjects}
    assert set(expected["imagery_dont_subjects"]) <= subjects
    assert sorted(profile.layout_rules.logo_corners) == sorted(expected["logo_corners"])
    assert profile.layout_rules.logo_min_width_px == expected["logo_min_width_px"]
    for key in LAYOUT_KEYS:
        if key in expected:
            got, want = getattr(profile.layout_rules, key), expected[key]
            assert got == (pytest.approx(want, abs=0.01) if isinstance(want, float) else want), key
    assert profile.sub_brands, "the sub-brand should be recognised"


@pytest.mark.integration
def test_every_item_keeps_the_chunk_it_came_from(sample_workspace: KnowledgeBase) -> None:
    chunks = {c.id: c for c in sample_workspace.chunks("Tidewell")}
    profile = extract_profile("Tidewell", list(chunks.values()))
    refs = (
        [c.source for c in profile.palette]
        + [f.source for f in profile.fonts]
        + [t.source for t in profile.banned_terms]
        + [r.source for r in profile.imagery_rules]
    )
    refs += list(profile.layout_rules.sources.values())
    for ref in refs:
        assert ref is not None and ref.chunk_id in chunks
        assert (
            ref.quote[:40] in chunks[ref.chunk_id].text.replace("\n", " ")
            or ref.quote[:40] in chunks[ref.chunk_id].text
        )


@pytest.mark.unit
def test_colours_in_every_written_form() -> None:
    profile = profile_of(
        "# Colour\n\n## Primary palette\n\n"
        "- **Harbour Navy** — #1B2A41, rgb(27, 42, 65)\n"
        "- Kelp: RGB 40 90 60 / CMYK 56 0 33 65\n\n"
        "## Accent colours\n\nOur accent is Flare Orange (#f60) for buttons only.\n\n"
        "| Name | HEX | CMYK | Pantone |\n|---|---|---|---|\n| Sand | #E8DCC4 | 0, 5, 15, 9 | 7527 C |\n\n"
        "## Print only\n\nMidnight Ink: C 100 M 80 Y 20 K 60.\n\n"
        "## Misuse\n\nNever use neon tones such as #39FF14 or fluorescent pink.\n"
    )
    got = {c.hex: c for c in profile.palette}
    assert got["#1B2A41"].name == "Harbour Navy" and got["#1B2A41"].role == "primary"
    assert got["#285A3C"].name == "Kelp" and got["#285A3C"].cmyk == (56.0, 0.0, 33.0, 65.0)
    assert got["#FF6600"].name == "Flare Orange" and got["#FF6600"].role == "accent"
    assert got["#E8DCC4"].pantone == "Pantone 7527 C" and got["#E8DCC4"].cmyk == (0.0, 5.0, 15.0, 9.0)
    assert any(c.name == "Midnight Ink" for c in profile.palette)
    assert [c.hex for c in profile.forbidden_colors] == ["#39FF14"]


@pytest.mark.unit
def test_fonts_from_prose_css_and_tables_without_weights_or_colours() -> None:
    profile = profile_of(
        "# Typography\n\nHeadlines are set in Harbour Grotesk Bold. Body copy: Inter Regular.\n\n"
        "```css\nbody { font-family: 'Source Serif 4', Georgia, serif; }\n```\n\n"
        "| Use | Typeface |\n|---|---|\n| Captions | IBM Plex Mono |\n\n"
        "# Colour\n\nText is set in Deep Navy (#10203A).\n"
    )
    fonts = [f.family for f in profile.fonts]
    assert fonts[:2] == ["Harbour Grotesk", "Inter"]
    assert {"Source Serif 4", "Georgia", "IBM Plex Mono"} <= set(fonts)
    assert "Deep Navy" not in fonts and "serif" not in fonts


@pytest.mark.unit
def test_banned_words_claims_and_competitors_in_their_usual_forms() -> None:
    profile = profile_of(
        "# Voice\n\n## Words we never use\n\n- \"cheap\" — sounds low quality\n- guaranteed\n- 'world class'\n\n"
        '## Claims\n\nNever claim that our tea cures colds. Do not say: natural, organic or "clean".\n\n'
        "## Competitors\n\nNever mention rival brands such as Leafly, Brewhouse or Tea Co.\n"
    )
    terms = {t.term: t.kind for t in profile.banned_terms}
    assert {"cheap", "guaranteed", "world class", "natural", "organic", "clean"} <= set(terms)
    assert terms["our tea cures colds"] == "claim"
    assert profile.competitors == ["Leafly", "Brewhouse", "Tea Co"]
    assert "sounds low quality" not in terms


@pytest.mark.unit
def test_imagery_rules_keep_polarity_and_subjects() -> None:
    profile = profile_of(
        "# Photography\n\n## Never\n\n- Alcohol or cocktails\n- Weapons\n\n"
        "## Always\n\n- Show hands holding the cup.\n\n"
        "# Values\n\nWe never show smoking, gambling or fast cars in our ads.\n"
    )
    donts = {s for r in profile.imagery_rules if r.polarity == "dont" for s in r.subjects}
    assert {"alcohol", "cocktails", "weapons", "smoking", "gambling", "fast cars"} <= donts
    assert any(r.polarity == "do" and "hands" in r.text for r in profile.imagery_rules)


@pytest.mark.unit
def test_layout_numbers_become_constraints() -> None:
    rules = profile_of(
        "# Layout\n\nThe headline sits in the top third of the frame. The pack fills 25-40% of the canvas. "
        "Leave at least 35% negative space and a 4% safe margin on every side.\n\n"
        "# Logo\n\nPlace the logo in the lower right corner; never in the top-left corner. "
        "Minimum size: 90 px wide on screen, 18 mm in print. Clear space around the logo: 10% of the logo width.\n"
    ).layout_rules
    assert rules.headline_band == "top" and rules.headline_band_max == pytest.approx(1 / 3, abs=1e-3)
    assert (rules.product_share_min, rules.product_share_max) == (0.25, 0.40)
    assert rules.negative_space_min == 0.35 and rules.safe_margin == 0.04
    assert rules.logo_corners == ["bottom-right"]
    assert (rules.logo_min_width_px, rules.logo_min_width_mm) == (90, 18.0)
    assert rules.logo_clear_space_fraction == 0.10


@pytest.mark.unit
def test_sub_brand_sections_stay_out_of_the_master_profile() -> None:
    profile = profile_of(
        "# Acme guidelines\n\n## Colour\n\nAcme Blue #0044CC is our primary colour.\n\n"
        "## Sub-brands\n\n### Acme Kids\n\nAcme Kids uses Bubble Pink #FF66CC and the Fredoka typeface. "
        "Place the Acme Kids logo in the top-right corner.\n\n"
        "## Sub-brand: Acme Pro\n\nAcme Pro uses Graphite #333333.\n"
    )
    assert [c.hex for c in profile.palette] == ["#0044CC"]
    assert not profile.fonts and not profile.layout_rules.logo_corners
    names = {s.name: [c.hex for c in s.palette] for s in profile.sub_brands}
    assert names == {"Acme Kids": ["#FF66CC"], "Acme Pro": ["#333333"]}


@pytest.mark.unit
def test_plain_text_guidelines_work_too() -> None:
    text = "2. COLOUR\n* Summit Red ...... hex c8102e ... primary\n\n5. LOGO\nPlace the logo bottom-left only.\n"
    chunks = chunk_blocks(text_to_blocks(text), brand="x", source="x.txt")
    profile = extract_profile("x", chunks)
    assert [(c.name, c.hex, c.role) for c in profile.palette] == [("Summit Red", "#C8102E", "primary")]
    assert profile.layout_rules.logo_corners == ["bottom-left"]


@pytest.mark.unit
def test_sub_brand_file_names_count() -> None:
    chunk = GuidelineChunk(
        id="1", brand="a", source="sub-brands/kids.md", section="Kids > Colour", text="Kids Yellow #FFD400"
    )
    master, subs = split_sub_brands([chunk])
    assert not master and list(subs) == ["Kids"]


@pytest.mark.unit
def test_palette_from_a_pdf_table(tmp_path: Path) -> None:
    from pipeline.knowledge.loaders.registry import load_document
    from tests.pipeline.docs_factory import make_palette_pdf

    blocks = load_document(make_palette_pdf(tmp_path / "palette.pdf"))
    profile = extract_profile("Northwind", chunk_blocks(blocks, brand="Northwind", source="palette.pdf"))
    assert [(c.name, c.hex, c.role) for c in profile.palette] == [
        ("Northwind Navy", "#1B2A41", "primary"),
        ("Gale Blue", "#3A7CA5", "secondary"),
        ("Signal Orange", "#F26419", "accent"),
        ("Fog", "#E5E5E5", "neutral"),
    ]
    assert profile.palette[2].cmyk == (0.0, 72.0, 100.0, 0.0) and profile.palette[2].rgb == (242, 100, 25)
