"""Render fan-out on a real engine: a campaign on a Dask LocalCluster of 2 worker processes makes
the same drafts, byte for byte, as the same campaign in one process."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PIL import Image

from pipeline.settings import DATA_DIR, Settings

pytestmark = pytest.mark.slow

BRIEF = DATA_DIR / "briefs" / "summer-table-bottles.yaml"


def _run(home: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, str]:
    import sqlite3

    from flows.campaign import campaign_flow_for, run_here
    from pipeline.models import CampaignRequest
    from pipeline.settings import load_settings

    monkeypatch.setenv("ONBRAND_HOME", str(home))
    monkeypatch.setenv("ONBRAND_DATABASE_URL", f"sqlite:///{home / 'review.db'}")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ONBRAND_RENDER_BATCH", "1")  # 2 drafts -> 2 batches, one per worker
    flow = campaign_flow_for(load_settings())
    request = CampaignRequest(brief=str(BRIEF), count=2, channels=["instagram_post"], max_replans=0)
    result = run_here(flow, request=request)
    assert len(result.drafts) == 2 and all(d.status != "failed" for d in result.drafts), result
    pixels = {}
    for d in result.drafts:
        assert Path(d.image).is_file() and Path(d.image).parent.parent == home / "drafts"
        with Image.open(d.image) as image:
            pixels[d.id] = hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()
    with sqlite3.connect(home / "review.db") as conn:
        assert {i for (i,) in conn.execute("SELECT id FROM drafts")} == set(pixels)
    return pixels


def test_a_dask_local_cluster_renders_the_same_drafts_as_one_process(
    agent_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    homes = []
    for name in ("in-process", "dask"):
        homes.append(tmp_path / name)
        shutil.copytree(agent_settings.home, homes[-1], ignore=shutil.ignore_patterns("drafts", "*.db*"))
    here = _run(homes[0], monkeypatch)
    on_dask = _run(homes[1], monkeypatch, ONBRAND_TASK_RUNNER="dask", ONBRAND_RENDER_WORKERS="2")
    assert len(here) == 2 and on_dask == here  # same drafts, same pixels


def test_an_unknown_or_missing_engine_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from flows.runners import task_runner_for
    from pipeline.errors import UserError
    from pipeline.settings import load_settings

    with pytest.raises(UserError, match="ONBRAND_TASK_RUNNER=spark: unknown task runner; known: default, dask, ray"):
        task_runner_for(load_settings(task_runner="spark"))
    real_import = builtins.__import__

    def no_ray(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("prefect_ray"):
            raise ImportError("No module named 'prefect_ray'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(UserError, match="needs prefect-ray"):
        task_runner_for(load_settings(task_runner="ray"))
