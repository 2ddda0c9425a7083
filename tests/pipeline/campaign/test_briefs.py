from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.campaign.briefs import load_brief
from pipeline.campaign.channels import load_channels
from pipeline.errors import UserError
from tests.conftest import REPO

pytestmark = pytest.mark.unit


def test_channels_file_has_the_usual_sizes() -> None:
    channels = load_channels()
    expected = {
        "instagram_post": (1080, 1080),
        "instagram_story": (1080, 1920),
        "linkedin_post": (1200, 627),
        "web_banner": (1920, 600),
        "email_header": (600, 200),
    }
    for name, size in expected.items():
        assert (channels[name].width, channels[name].height) == size


@pytest.mark.parametrize("path", sorted((REPO / "data" / "briefs").glob("*.yaml")), ids=lambda p: p.name)
def test_sample_briefs_are_valid(path: Path) -> None:
    brief = load_brief(path)
    assert brief.brand == "Tidewell" and brief.channels


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brief.yaml"
    path.write_text(text)
    return path


def test_unknown_channel_names_the_field_and_the_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, "campaign: c\nbrand: b\nproduct: p\nchannels: [instagram_pst]\n")
    with pytest.raises(UserError) as err:
        load_brief(path)
    message = str(err.value)
    assert "brief.yaml: 'channels' lists 'instagram_pst'" in message
    assert "did you mean 'instagram_post'" in message and "known channels:" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("campaign: c\nbrand: b\nchannels: [instagram_post]\n", "missing required field 'product'"),
        ("campaign: c\nbrand: b\nproduct: p\nchannels: [instagram_post]\ncolour: red\n", "unknown field 'colour'"),
        (
            "campaign: c\nbrand: b\nproduct: p\nchannels: [instagram_post]\ndrafts_per_channel: 99\n",
            "'drafts_per_channel'",
        ),
        ("campaign: [unclosed\n", "invalid YAML at line"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_bad_briefs_get_one_line_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        load_brief(_write(tmp_path, text))


def test_missing_brief_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        load_brief(tmp_path / "nope.yaml")
