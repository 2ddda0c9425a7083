"""Campaigns before rendering: briefs and channels, brief lookup by name, layouts and their ControlNet
conditions.

    >>> brief = load_brief(resolve_brief("spring-citrus-launch", settings))   # doctest: +SKIP
    >>> layout = repair_layout(make_layout("thirds_left", 1.0, rules), rules)  # doctest: +SKIP
"""

from pipeline.campaign.briefs import load_brief
from pipeline.campaign.channels import load_channels
from pipeline.campaign.conditions import draw_box_map, draw_segmentation, reference_condition
from pipeline.campaign.layouts import TEMPLATES, make_layout, repair_layout, validate_layout
from pipeline.campaign.lookup import brief_folders, known_briefs, resolve_brief

__all__ = [
    "TEMPLATES",
    "brief_folders",
    "draw_box_map",
    "draw_segmentation",
    "known_briefs",
    "load_brief",
    "load_channels",
    "make_layout",
    "reference_condition",
    "repair_layout",
    "resolve_brief",
    "validate_layout",
]
