"""Who the tests act as: the functions that change state are told (see :class:`pipeline.models.Actor`)."""

from __future__ import annotations

from pipeline.models import Actor

ADMIN = Actor(name="ops", role="admin")
VIEWER = Actor(name="vic", role="viewer")


def reviewer(name: str = "maya") -> Actor:
    return Actor(name=name, role="reviewer")
