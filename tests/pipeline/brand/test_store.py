from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.brand.store import ProfileStore
from pipeline.errors import UserError
from pipeline.models import BrandColor, BrandFont, BrandProfile, BrandTerm, LayoutRules, SourceRef
from pipeline.settings import Settings
from tests.actors import ADMIN

pytestmark = pytest.mark.unit


def extracted() -> BrandProfile:
    ref = SourceRef(chunk_id="c1", source="g.md", section="Colour")
    return BrandProfile(
        name="Acme",
        palette=[BrandColor(name="Wrong Blue", hex="#0000FF", role="primary", source=ref)],
        fonts=[BrandFont(family="Inter", source=ref)],
        banned_terms=[BrandTerm(term="cheap"), BrandTerm(term="Rival", kind="competitor")],
        layout_rules=LayoutRules(logo_corners=["top-left"], logo_min_width_px=100),
    )


def test_override_fields_win_and_the_rest_is_kept(settings: Settings, tmp_path: Path) -> None:
    store = ProfileStore(settings)
    store.save_extracted(extracted())
    override = tmp_path / "acme.yaml"
    override.write_text(
        "palette:\n  - {name: Acme Blue, hex: '#1f6f8b', role: primary}\n"
        "banned_terms: [cheap, free]\n"
        "layout_rules: {logo_min_width_px: 140}\n"
    )
    target = store.set_override("ACME", override, ADMIN)
    assert target == settings.brands_dir / "acme.yaml"
    profile = store.profile("acme")
    assert [(c.name, c.hex) for c in profile.palette] == [("Acme Blue", "#1F6F8B")]
    assert profile.palette[0].source is not None and profile.palette[0].source.section == "override"
    assert [f.family for f in profile.fonts] == ["Inter"]  # not in the override: extraction kept
    assert [t.term for t in profile.banned_terms] == ["cheap", "free", "Rival"]  # competitors kept
    assert profile.layout_rules.logo_min_width_px == 140 and profile.layout_rules.logo_corners == ["top-left"]
    assert set(profile.overridden) == {"palette", "banned_terms", "layout_rules"}


def test_a_hand_written_override_in_the_workspace_is_found(settings: Settings) -> None:
    store = ProfileStore(settings)
    store.save_extracted(extracted())
    settings.brands_dir.mkdir(parents=True, exist_ok=True)
    (settings.brands_dir / "Acme.yaml").write_text("fonts: [Lato]\n")
    assert [f.family for f in store.profile("acme").fonts] == ["Lato"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("palete: []\n", "unknown field 'palete'"),
        ("palette:\n  - {name: X, hex: '#12345G'}\n", "palette.0"),
        ("layout_rules: {logo_corner: top-left}\n", "logo_corner"),
        ("layout_rules: {product_share_min: 3}\n", "product_share_min"),
        ("fonts: Lato\n", "fonts"),
    ],
)
def test_bad_override_is_refused_and_the_old_one_kept(
    settings: Settings, tmp_path: Path, text: str, message: str
) -> None:
    store = ProfileStore(settings)
    store.save_extracted(extracted())
    good = tmp_path / "good.yaml"
    good.write_text("fonts: [Lato]\n")
    store.set_override("Acme", good, ADMIN)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(UserError, match=message) as err:
        store.set_override("Acme", bad, ADMIN)
    assert str(bad) in str(err.value)
    assert [f.family for f in store.profile("Acme").fonts] == ["Lato"]


def test_unknown_brand_says_how_to_create_it(settings: Settings) -> None:
    with pytest.raises(UserError, match="run: onbrand ingest PATH --brand 'Nobody'"):
        ProfileStore(settings).profile("Nobody")


def test_extracted_profile_is_written_atomically(settings: Settings) -> None:
    store = ProfileStore(settings)
    path = store.save_extracted(extracted())
    assert path.is_file() and not list(path.parent.glob(".profile.json.*"))
    assert store.load_extracted("ACME ") == extracted()
