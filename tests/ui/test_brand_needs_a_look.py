"""The Brand page lists what the extracted profile needs a person to look at, beside the override editor."""

from __future__ import annotations

import pytest

from pipeline.brand.store import ProfileStore
from pipeline.brand.trust import needs_a_look
from pipeline.settings import Settings
from tests.ui.helpers import app_test

pytestmark = pytest.mark.integration


def test_the_override_tab_lists_what_needs_a_look(ui_home: Settings) -> None:
    lines = needs_a_look(ProfileStore(ui_home).profile("Tidewell"))
    at = app_test().run()
    at.switch_page("views/brand.py").run()
    assert not at.exception, at.exception
    markdown = " ".join(str(m.value) for m in at.markdown).replace("\\", "")
    assert "Needs a look" in markdown and lines and all(line.split(" (")[0] in markdown for line in lines)
