"""The renderer's job for a plan follows what the model folder says it was trained to take."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.models import DraftPlan
from pipeline.render.drafts import render_job
from pipeline.settings import Settings
from tests.pipeline import plan_factory

DONTS = "text, letters, neon or fluorescent colours, plastic bottles, cups, packaging colours"


def a_plan() -> DraftPlan:
    return plan_factory.a_plan(negative_prompt=DONTS)


def test_the_bundled_draft_model_renders_without_the_brands_negative_prompt(tmp_path: Path) -> None:
    # It learnt only the empty caption as its unconditional one: brand don'ts full of colour and product
    # words pushed a teal can to purple. The plan keeps them (the gate and the log still read them).
    plan = a_plan()
    job = render_job(plan, Settings(home=tmp_path))
    assert job.negative_prompt == "" and plan.negative_prompt == DONTS
    assert job.prompt == plan.prompt and job.seed == plan.seed


def test_a_model_that_takes_a_negative_prompt_gets_the_brands(tmp_path: Path) -> None:
    folder = tmp_path / "sd"
    folder.mkdir()
    (folder / "model_index.json").write_text("{}")
    (folder / "onbrand.json").write_text(json.dumps({"resolution": 512, "guidance": 7.0}))
    assert render_job(a_plan(), Settings(home=tmp_path, diffusion_model=str(folder))).negative_prompt == DONTS
    plain = tmp_path / "plain"  # no onbrand.json: Stable Diffusion's defaults, negative prompt included
    plain.mkdir()
    (plain / "model_index.json").write_text("{}")
    assert render_job(a_plan(), Settings(home=tmp_path, diffusion_model=str(plain))).negative_prompt == DONTS
