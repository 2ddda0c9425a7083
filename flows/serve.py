"""``onbrand serve``: a Prefect deployment for every brief with a cron ``schedule:``, served in-process.

    $ PREFECT_API_URL=http://127.0.0.1:4200/api onbrand serve     # against a Prefect server
    $ onbrand serve                                               # Prefect's temporary local server

Each deployment runs :func:`flows.campaign.campaign_flow` for its brief on the brief's schedule
(timezone UTC). Briefs without a schedule are served too, on demand, so that the chat agent's
``run_campaign`` can start them on the server. Deployment names are the brief names, so serving
again updates them in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict


class Scheduled(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    brief: str
    cron: str | None = None


def scheduled_briefs(briefs: dict[str, Path], on_demand: bool = False) -> tuple[list[Scheduled], list[str]]:
    """The briefs that ask to be scheduled (with ``on_demand``, every valid brief), and a warning per
    brief that cannot be (invalid files)."""
    from pipeline.campaign.briefs import load_brief
    from pipeline.errors import UserError

    found, warnings = [], []
    for name, path in briefs.items():
        try:
            brief = load_brief(path)
        except UserError as exc:
            warnings.append(f"not scheduled: {exc}")
            continue
        if brief.schedule or on_demand:
            found.append(Scheduled(name=name, brief=str(path.resolve()), cron=brief.schedule or None))
    return found, warnings


def deployments(scheduled: list[Scheduled]) -> list[Any]:
    from flows.campaign import campaign_flow_for
    from pipeline.settings import load_settings

    flow = campaign_flow_for(load_settings())  # renders on the task runner the settings name
    return [
        flow.to_deployment(
            name=s.name,
            cron=s.cron,
            parameters={"request": {"brief": s.brief, "trigger": "schedule" if s.cron else "deployment"}},
            description=f"campaign {s.name} on '{s.cron}' (UTC)" if s.cron else f"campaign {s.name}, on demand",
            tags=["onbrand", "campaign"],
        )
        for s in scheduled
    ]


def serve_briefs(scheduled: list[Scheduled]) -> None:
    """Register the deployments and run their scheduled flow runs until interrupted."""
    from prefect import serve

    serve(*deployments(scheduled), print_starting_message=True)
