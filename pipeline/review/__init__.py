"""The review store: drafts, their states, campaign runs, and an append-only log of decisions.

>>> store = ReviewStore.from_settings(settings)          # doctest: +SKIP
>>> store.decide(Decision(draft_id=..., action="approve", reviewer="maya"))
"""

from pipeline.review.store import DecisionConflict, ReviewStore
from pipeline.review.sweep import sweep_orphans

__all__ = ["DecisionConflict", "ReviewStore", "sweep_orphans"]
