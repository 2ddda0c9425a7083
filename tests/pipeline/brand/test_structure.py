"""Extraction from a document's structure, as real brand books write it: swatch labels, function
arguments and headings name colours; ramps are tints; print specs attach to screen colours; lists under
"Do not" are prohibitions; banned words come from "use X instead of Y", "X, not Y" and glossary rows."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pipeline.brand.profile import extract_profile
from pipeline.knowledge.chunking import chunk_blocks
from pipeline.knowledge.loaders.registry import load_document
from pipeline.models import BrandProfile

pytestmark = pytest.mark.unit


def profile_of(text: str, suffix: str = ".md", brand: str = "Acme") -> BrandProfile:
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / f"guide{suffix}"
        doc.write_text(text, encoding="utf-8")
        blocks = load_document(doc)
    return extract_profile(brand, chunk_blocks(blocks, brand=brand, source=doc.name))


def test_colour_names_come_from_labels_arguments_headings_and_front_matter() -> None:
    profile = profile_of(
        "---\ntitle: Colour\npalette:\n  - name: bright\n    hex: '00CFFF'\n---\n\n"
        '{% swatch { label: "Primary blue", hex: "#1D70B8" } %}\n\n'
        '## Palette\n\n| | |\n|---|---|\n| `brand-colour("warm-yellow")` | #ffb81c |\n'
        "| `$brand-link-active` | #002f5c |\n\n"
        "### Violet\n\n#8A3FFC\n\n## Functional\n\n- text: #0B0C0C\n- link-active: #0B0C0C\n"
    )
    names = {c.hex: c.name for c in profile.palette}
    assert names == {
        "#1D70B8": "Primary blue",
        "#00CFFF": "bright",
        "#FFB81C": "warm-yellow",
        "#002F5C": "$brand-link-active",
        "#8A3FFC": "Violet",
        "#0B0C0C": "text",  # two labels for one hex: the first stands
    }
    by_hex = {c.hex: c for c in profile.palette}
    assert by_hex["#1D70B8"].role == "primary" and by_hex["#1D70B8"].confidence == 1.0
    assert by_hex["#8A3FFC"].confidence < 0.8  # named only by its heading: a person should look
    assert all(c.source is not None and c.source.quote for c in profile.palette)


def test_tints_and_ramps_are_kept_apart_and_print_specs_are_no_new_colours() -> None:
    profile = profile_of(
        "# Colour\n\n- Blue: #1D70B8\n- Blue tint 95%: #F4F8FB\n- Blue shade 50%: #0F385C\n"
        "- Violet 40: #BE95FF\n- Violet 60: #8A3FFC\n- grey-1: #4C6272\n\n"
        "## Teal\n\n#00A499\n\nCMYK 80, 0, 45, 0 · Pantone 3275 C\n\n"
        "## Print only\n\nMidnight Ink: C 100 M 80 Y 20 K 60\n"
    )
    assert [c.name for c in profile.palette] == ["Blue", "grey-1", "Teal", "Midnight Ink"]
    assert {(t.name, t.base) for t in profile.tints} == {
        ("Blue tint 95%", "Blue"),
        ("Blue shade 50%", "Blue"),
        ("Violet 40", "Violet"),
        ("Violet 60", "Violet"),
    }
    teal = next(c for c in profile.palette if c.name == "Teal")
    assert teal.cmyk == (80.0, 0.0, 45.0, 0.0) and teal.pantone == "Pantone 3275 C"
    assert {t.hex for t in profile.accepted_colours()} >= {"#F4F8FB", "#8A3FFC", "#1D70B8"}


def test_fonts_are_families_not_weights_web_names_or_the_readers_system_font() -> None:
    profile = profile_of(
        "# Typography\n\nWe use 3 fonts:\n\n- **Brand Display:** used for headings.\n- **Brand Mono:** a tabular font "
        "for code.\n\nFrutiger is the brand font. Frutiger 45 Light, Frutiger Extra Light.\n\n"
        '`font-family: "Frutiger W01", Arial, sans-serif;`\n\n'
        "```css\n.ui { font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, sans-serif; }\n```\n\n"
        "If Frutiger is not available, use Arial as a replacement.\n"
    )
    fonts = {f.family: f.usage for f in profile.fonts}
    assert set(fonts) == {"Brand Display", "Brand Mono", "Frutiger", "Arial"}
    assert fonts["Arial"] == "fallback" and fonts["Brand Display"] == "headline"


def test_banned_words_in_the_forms_style_guides_use() -> None:
    profile = profile_of(
        "# Writing\n\n## Words to avoid\n\n- collaborate (use _working with_)\n- commit or pledge\n"
        "- in order to (use _to_)\n\n"
        "## Style\n\nUse _buy_ instead of _purchase_, _help_ instead of _assist_.\n\n"
        "- **DC**, not D.C.\n- **U.S.**, not US or USA\n\n"
        'We do not use "back passage". Say "died" instead of:\n\n- "passed away"\n- "deceased"\n\n'
        'We avoid "incurable". Instead we say "cannot be cured".\n\n'
        "If you create an object, do not use *Add*. Do not use *Okay* in the UI.\n\n"
        "## Glossary\n\n| Term | Usage | Notes |\n|---|---|---|\n| **Change** | **Do not use.** See *Edit*. | |\n"
        "| **Cancel** (v.) | Use to end an action. | Use *Canceling* instead of *Cancelling*. |\n"
        "| **Select** (v.) | Use to pick an item. | Do not use *Choose* for this use case. |\n\n"
        "| Don't say | Say instead |\n|---|---|\n| utilise | use |\n"
    )
    terms = {t.term: t.instead for t in profile.banned_terms}
    expected = {
        "collaborate": "working with",
        "commit": None,
        "pledge": None,
        "in order to": "to",
        "purchase": "buy",
        "assist": "help",
        "D.C.": "DC",
        "USA": "U.S.",
        "back passage": None,
        "passed away": "died",
        "deceased": "died",
        "incurable": "cannot be cured",
        "Change": "Edit",
        "Cancelling": "Canceling",
        "Choose": "Select",
        "utilise": "use",
        "Okay": None,
    }
    for term, instead in expected.items():
        assert term in terms, term
        assert terms[term] == instead, (term, terms[term])
    # recommended words, case-only variants, conditional rules and function words are never banned
    assert not {"buy", "help", "working with", "Add", "Canceling", "US", "DC", "Edit"} & set(terms)


def test_lists_under_do_not_are_prohibitions_item_by_item() -> None:
    profile = profile_of(
        "# Logo\n\n## Incorrect usage\n\n- Stretch or skew the logo.\n- Add drop shadows.\n\n"
        "## Placement\n\nYou must not:\n\n- place it on busy photos\n\nWe like:\n\n- clear backgrounds\n\n"
        "# Photography\n\n## Do not\n\n- Fireworks\n- Open flames or campfires\n\n"
        "## Avoid images that contain text\n\nText in images is hard to read with:\n\n- screen readers\n"
    )
    logo = {r.text: r.polarity for r in profile.logo_rules}
    assert logo["Stretch or skew the logo."] == "dont" and logo["Add drop shadows."] == "dont"
    assert logo["place it on busy photos"] == "dont" and logo["clear backgrounds"] != "dont"
    imagery = {r.text: (r.polarity, r.subjects) for r in profile.imagery_rules}
    assert imagery["Fireworks"] == ("dont", ["fireworks"])
    assert imagery["Open flames or campfires"] == ("dont", ["open flames", "campfires"])
    assert imagery.get("screen readers", ("info", []))[0] != "dont"  # a sentence heading labels no list


def test_imagery_prohibitions_in_every_form_keep_their_subjects() -> None:
    profile = profile_of(
        "# Photography\n\nNo drones, no motorbikes, no cars in the frame. People on thin ice must never be shown. "
        "Avoid alcohol in any shot. Avoid using shadows or gradients, except to show depth. "
        "Do not use photography to represent abstract concepts, such as emotions. "
        "Don't use stock photos of handshakes.\n\n"
        "# Values\n\nWe never show smoking or fast cars in our ads. Don't show the user an error page.\n"
    )
    subjects = {r.text: r.subjects for r in profile.imagery_rules if r.polarity == "dont"}
    assert subjects["No drones, no motorbikes, no cars in the frame."] == ["drones", "motorbikes", "cars"]
    assert subjects["People on thin ice must never be shown."] == ["thin ice"]
    assert subjects["Avoid alcohol in any shot."] == ["alcohol"]
    assert subjects["Avoid using shadows or gradients, except to show depth."] == ["shadows", "gradients"]
    assert subjects["Do not use photography to represent abstract concepts, such as emotions."] == ["abstract concepts"]
    assert subjects["Don't use stock photos of handshakes."] == ["handshakes"]
    assert subjects["We never show smoking or fast cars in our ads."] == ["smoking", "fast cars"]
    assert not any("error page" in s for r in profile.imagery_rules for s in r.subjects)  # UI copy, not a picture


def test_logo_minimums_keep_unit_and_dimension() -> None:
    layout = profile_of(
        "# Logo\n\n## Minimum sizing\n\nWordmark minimum width: 50px\n\nCrown minimum width: 16px\n\n"
        "The logo is at least 24 px high on screen. Keep the logo at least 8 mm inside the trim.\n\n"
        "# Print\n\nThe recommended minimum sizes are:\n\n- logo: 10mm height\n- body text: 12pt\n\n"
        "# App icons\n\nUse the tiny logo in a 16x16 px space.\n"
    ).layout_rules
    got = {(m.value, m.unit, m.dimension) for m in layout.logo_minimums}
    assert got == {(50, "px", "width"), (16, "px", "width"), (24, "px", "height"), (10, "mm", "height")}
    assert layout.logo_min_width_px == 50 and layout.logo_min_width_mm is None  # a height is no width


def test_tone_keeps_principles_not_examples_or_word_entries() -> None:
    profile = profile_of(
        "# Voice and tone\n\n## Our voice\n\nOur voice is neutral and factual.\n\n"
        "- Authoritative\n- Use contractions\n\n"
        '## Examples\n\n- "Get your pension sorted in minutes!"\n\n## A to Z\n\n### A\n\nWe use "A&E".\n'
    )
    tone = [r.text for r in profile.tone]
    assert tone == ["Our voice is neutral and factual.", "Authoritative", "Use contractions"]


def test_colour_use_names_the_text_colour_and_the_call_to_action() -> None:
    profile = profile_of(
        "# Colour\n\n| Name | Use | HEX |\n|---|---|---|\n| Deep Navy | text | #12304A |\n"
        "| Zest | highlights | #F2B233 |\n\n"
        "Never set text in pure black; use Deep Navy for all text. Zest is reserved for the call-to-action button.\n"
    )
    use = profile.colour_use
    assert (use.text, use.cta, use.cta_form) == ("#12304A", "#F2B233", "button")
    assert use.sources["text"].quote.startswith("Never set text")


def test_do_and_dont_example_components_are_rules_with_their_subjects() -> None:
    # A design-system page shows its examples as components whose verdict and caption are attributes.
    mdx = (
        "# Imagery\n\n## Usage\n\n<DoDontRow>\n"
        '<DoDont type="do" caption="Show real people at work in natural light.">\n\n![office](a.png)\n\n</DoDont>\n'
        '<DoDont type="dont" caption="Stock photos of handshakes or lightbulbs">\n\n![b](b.png)\n\n</DoDont>\n'
        "</DoDontRow>\n\n"
        '<DoDont type="dont" caption="Use a drop shadow behind the icon" />\n'
        "<Example variant='incorrect' text='Neon gradients' />\n"
    )
    html = (
        '<html><body><h1>Icons</h1><do-dont verdict="dont" caption="Clip art or emoji"></do-dont>'
        '<do-dont verdict="do" caption="Line icons at 24 px"></do-dont></body></html>'
    )
    for text, suffix in ((mdx, ".md"), (html, ".html")):
        profile = profile_of(text, suffix)
        donts = {r.text: r.subjects for r in profile.imagery_rules if r.polarity == "dont"}
        dos = [r.text for r in profile.imagery_rules if r.polarity == "do"]
        if suffix == ".md":
            assert donts == {
                "Stock photos of handshakes or lightbulbs": ["handshakes", "lightbulbs"],
                "Use a drop shadow behind the icon": ["drop shadow"],
                "Neon gradients": ["neon gradients"],
            }
            assert dos == ["Show real people at work in natural light."]
        else:
            assert donts == {"Clip art or emoji": ["clip art", "emoji"]}
            assert dos == ["Line icons at 24 px"]


def test_preferred_words_and_a_to_z_entries_give_what_to_write_instead() -> None:
    profile = profile_of(
        '# Words we use\n\n## A to Z\n\n### prognosis\n\nWe prefer "outlook".\n\n'
        '### setting\n\nWe avoid the term "hospital setting". We just say "in hospital".\n\n'
        '### occur\n\nAvoid "occur". Try other words, like "happen", or reword your sentence.\n\n'
        '### try to\n\nWe prefer "try to" to "try and".\n\n'
        '### fever\n\nWe prefer the words "high temperature" to "fever", for example in a list.\n\n'
        '### vaccination\n\nWe use "vaccination" for the process or national programme.\n\n'
        '### chronic\n\nWe prefer "for a long time" or "does not go away".\n\n'
        '### clinician\n\nDo not use the word "clinician". Many patients do not know what it is.\n\n'
        'Instead you could use "a doctor, nurse or other healthcare professional".\n\n'
        '## Our voice\n\nWe prefer "hello" as a greeting.\n\n'
        "## Words to avoid\n\n- key (unless it unlocks something, use _important_ or omit)\n"
        "- facilitate (instead, say something specific about _how_ you are helping)\n"
    )
    terms = {t.term: t.instead for t in profile.banned_terms}
    assert terms == {
        "prognosis": "outlook",
        "hospital setting": "in hospital",
        "occur": "happen",
        "try and": "try to",
        "fever": "high temperature",
        "chronic": "for a long time",
        "clinician": "a doctor, nurse or other healthcare professional",
        "key": "important",
        "facilitate": None,
    }


def test_tints_written_as_shares_and_design_tokens_are_tints_of_their_base() -> None:
    from pipeline.brand.palette import tint_base

    assert [tint_base(n) for n in ("80% Blue", "Blue at 50%", "50% tint of Blue", "Blue (20% opacity)")] == ["Blue"] * 4
    assert [tint_base(n) for n in ("$blue-60", "--color-blue-60", "color.blue.60", "Blue/60")] == [
        "blue",
        "blue",
        "blue",
        "Blue",
    ]
    assert [tint_base(n) for n in ("grey-1", "Primary blue", "PMS 300", "Blue 7")] == [None] * 4
