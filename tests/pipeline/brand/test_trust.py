"""A profile people can trust: what needs a person's look, and documents that gave the profile nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.brand.trust import documents_without_items, needs_a_look
from pipeline.models import BrandColor, BrandFont, BrandProfile, BrandRule, BrandTint, SourceRef

REF = SourceRef(chunk_id="c1", source="colour.md", quote="Blue: #0044CC")


@pytest.mark.unit
def test_gaps_and_doubts_become_one_line_each() -> None:
    profile = BrandProfile(
        name="Acme",
        palette=[
            BrandColor(name="#0044CC", hex="#0044CC", source=REF, confidence=0.5),
            BrandColor(name="#FF0000", hex="#FF0000", source=REF, confidence=0.5),
            BrandColor(name="Violet", hex="#8A3FFC", source=REF, confidence=0.7),
        ],
        tints=[BrandTint(name="Teal 40", hex="#3DDBD9", base="Teal", source=REF)],
        imagery_rules=[BrandRule(text="Avoid clichés.", kind="imagery", polarity="dont", source=REF)],
    )
    lines = needs_a_look(profile)
    assert "2 colours have no name (#0044CC, #FF0000)" in lines
    assert "1 colour is uncertain: named by a heading or a model, or converted from print (Violet)" in lines
    assert "no font found" in lines and "no minimum logo size found" in lines
    assert "1 tint belongs to no palette colour (Teal)" in lines
    assert "1 imagery prohibition has no subject the prompt gate can check" in lines
    overridden = profile.model_copy(update={"overridden": ["palette", "fonts"]})
    assert not any("colour" in line and "name" in line for line in needs_a_look(overridden))
    assert "no font found" not in needs_a_look(overridden)


@pytest.mark.unit
def test_documents_that_gave_nothing_are_named() -> None:
    profile = BrandProfile(
        name="Acme", palette=[BrandColor(name="Blue", hex="#0044CC", source=REF)], fonts=[BrandFont(family="Inter")]
    )
    assert documents_without_items(profile, ["colour.md", "story.md", "colour.md"]) == ["story.md"]


@pytest.mark.integration
def test_the_ingest_report_says_which_documents_gave_nothing(tmp_path: Path, settings: object) -> None:
    from pipeline.brand.ingest import ingest_brand
    from pipeline.models import Actor

    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "colour.md").write_text("# Colour\n\n- Harbour Navy: #1B2A41\n- Sand: #E8DCC4\n")
    (folder / "story.md").write_text("# Our story\n\nWe started in a garage in 1998 and never looked back.\n")
    result = ingest_brand([folder], "Acme", settings, actor=Actor(name="admin", role="admin"))  # type: ignore[arg-type]
    assert [(n.file, n.error) for n in result.report.notes] == [
        ("story.md", "gave no colours, fonts, words or rules (it is still searchable)")
    ]
    assert not result.report.errors
    assert "notes" in result.report.model_dump(mode="json") and "errors" in result.report.model_dump(mode="json")


@pytest.mark.integration
def test_the_sample_brand_names_its_text_and_call_to_action_colours(sample_workspace: object) -> None:
    from pipeline.brand.profile import extract_profile

    profile = extract_profile("Tidewell", sample_workspace.chunks("Tidewell"))  # type: ignore[attr-defined]
    names = {c.hex: c.name for c in profile.palette}
    use = profile.colour_use
    assert names[use.text] == "Deep Harbour" and names[use.cta] == "Citrus Zest"  # type: ignore[index]
    assert use.cta_form == "button" and set(use.sources) == {"text", "cta"}
    assert profile.contract_json()["colour_use"] == {"text": "#12304A", "cta": "#F2B233", "cta_form": "button"}


@pytest.mark.integration
def test_cli_reports_notes_and_what_needs_a_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from pipeline.cli import main

    monkeypatch.setenv("ONBRAND_HOME", str(tmp_path / "ws"))
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "colour.md").write_text("# Colour\n\n- Harbour Navy: #1B2A41\n\n## Violet\n\n#8A3FFC\n")
    (folder / "story.md").write_text("# Our story\n\nWe started in a garage in 1998 and never looked back.\n")
    assert main(["ingest", str(folder), "--brand", "Acme", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["notes"] == [
        {"file": "story.md", "error": "gave no colours, fonts, words or rules (it is still searchable)"}
    ]
    assert main(["brand", "show", "Acme", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (
        "no font found" in shown["needs_a_look"]
        and "1 colour is uncertain: named by a heading or a model, or converted from print (Violet)"
        in (shown["needs_a_look"])
    )
    assert {"name", "palette", "tints", "colour_use", "sources"} <= set(shown)
    assert main(["brand", "show", "Acme"]) == 0
    assert "Needs a look" in capsys.readouterr().out
