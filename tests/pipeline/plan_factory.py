"""A small draft plan for tests of the stages that take one (render job, gate)."""

from __future__ import annotations

from typing import Any

from pipeline.campaign.layouts import make_layout
from pipeline.models import DraftPlan


def a_plan(**changes: Any) -> DraftPlan:
    """A 128 px Instagram post plan of brand Acme (a teal can on white, product on the left third)."""
    fields: dict[str, Any] = {
        "id": "c-instagram_post-1",
        "campaign": "c",
        "brand": "Acme",
        "channel": "instagram_post",
        "width": 128,
        "height": 128,
        "prompt": "a teal can on a white backdrop",
        "seed": 1,
        "layout": make_layout("thirds_left", 1.0),
    }
    return DraftPlan(**(fields | changes))
