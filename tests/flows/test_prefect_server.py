"""The real-server path: ``prefect server start`` on loopback, a campaign run recorded there, and the
schedules ``onbrand serve`` registers (started, read back through the API, stopped)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.settings import Settings

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def _api(url: str, path: str, body: dict[str, object] | None = None) -> object:
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body or {}).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's Prefect server (tests/session_servers.py), or, without one, a server of this
    module's own: ``prefect server start`` on loopback either way."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        yield url
        return
    from tests.session_servers import PrefectServer

    server = PrefectServer.start()
    try:
        server.wait()
    except RuntimeError as exc:
        server.stop()
        pytest.fail(str(exc))
    yield server.url
    server.stop()


def _env(settings: Settings, url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONBRAND_", "PREFECT_"))}
    env.update(
        ONBRAND_HOME=str(settings.home),
        ONBRAND_DATABASE_URL=f"sqlite:///{tmp_path / 'review.db'}",
        PREFECT_API_URL=url,
        PREFECT_HOME=str(tmp_path / "prefect-client"),
    )
    return env


def test_a_run_is_recorded_on_the_server(prefect_server: str, agent_settings: Settings, tmp_path: Path) -> None:
    env = _env(agent_settings, prefect_server, tmp_path)
    result = subprocess.run(
        [str(BIN / "onbrand"), "run", "spring-citrus-launch", "--drafts", "1", "--channel", "instagram_post", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    run_id = json.loads(result.stdout)["run_id"]
    run = _api(prefect_server, f"/flow_runs/{run_id}")
    assert isinstance(run, dict) and run["state_type"] == "COMPLETED"


def test_serve_registers_a_deployment_per_scheduled_brief(
    prefect_server: str, agent_settings: Settings, tmp_path: Path
) -> None:
    env = _env(agent_settings, prefect_server, tmp_path)
    serve = subprocess.Popen(
        [str(BIN / "onbrand"), "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        found: list[dict[str, object]] = []
        wanted = {"spring-citrus-launch", "summer-table-bottles"}  # serve registers them one after another
        while time.monotonic() < deadline and not wanted <= {str(d["name"]) for d in found}:
            time.sleep(2)
            assert serve.poll() is None, (serve.stdout.read() if serve.stdout else b"").decode()[-2000:]
            deployments = _api(prefect_server, "/deployments/filter", {})
            assert isinstance(deployments, list)
            found = [d for d in deployments if d["name"] in wanted]
        assert wanted <= {str(d["name"]) for d in found}, "onbrand serve did not register every brief"
        found = [d for d in found if d["name"] == "spring-citrus-launch"]
        schedules = found[0]["schedules"]
        assert isinstance(schedules, list) and schedules[0]["schedule"]["cron"] == "0 9 * * 1"
        assert found[0]["parameters"]["request"]["brief"].endswith("spring-citrus-launch.yaml")
        on_demand = {d["name"]: d for d in deployments}.get("summer-table-bottles")  # type: ignore[union-attr]
        assert on_demand is not None and on_demand["schedules"] == []  # served without a schedule

        # The chat agent's run_campaign goes through the server: a run of that deployment, executed by serve.
        chat = subprocess.run(
            [str(BIN / "onbrand"), "chat", "run the summer-table-bottles brief, 1 instagram post draft", "--json"],
            env={**env, "ONBRAND_DEPLOYMENT_WAIT_S": "300"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert chat.returncode == 0, chat.stderr[-2000:]
        action = json.loads(chat.stdout)["actions"][0]
        assert action["tool"] == "run_campaign", action
        result = action["result"]
        assert result["via"] == "campaign/summer-table-bottles" and result["status"] == "completed", result
        run = _api(prefect_server, f"/flow_runs/{result['run_id']}")
        assert isinstance(run, dict) and run["deployment_id"] == on_demand["id"] and run["state_type"] == "COMPLETED"
        assert run["parameters"]["request"]["trigger"] == "chat"
        ids = [d["id"] for d in result["drafts"]]  # the draft, and its re-plan if the gate rejected it
        assert ids[0] == "summer-table-bottles-instagram_post-1" and all(i.startswith(ids[0]) for i in ids)
    finally:
        _stop(serve)
        # The server outlives this test (it is the session's): take the deployments away again, so
        # that no later campaign is sent to a deployment nobody serves.
        for deployment in _api(prefect_server, "/deployments/filter", {}) or []:  # type: ignore[union-attr]
            if deployment["name"] in ("spring-citrus-launch", "summer-table-bottles"):
                request = urllib.request.Request(f"{prefect_server}/deployments/{deployment['id']}", method="DELETE")
                urllib.request.urlopen(request, timeout=10).close()
