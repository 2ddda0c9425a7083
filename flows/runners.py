"""Where a campaign's render batches run: Prefect task runners by name, in a registry.

    >>> register_task_runner("my-cluster", lambda s: MyTaskRunner(s.task_runner_address))  # doctest: +SKIP

``ONBRAND_TASK_RUNNER`` names one: ``default`` (the flow's own process), ``dask`` (a Dask cluster:
``ONBRAND_TASK_RUNNER_ADDRESS`` or a LocalCluster of ``ONBRAND_RENDER_WORKERS`` processes) or ``ray``.
The built-ins register here the way an extension would. Every runner but ``default`` has its
batches submitted at once, and each worker renders on its own warm pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.errors import UserError
from pipeline.settings import Settings

TaskRunnerFactory = Callable[[Settings], Any]  # settings -> a Prefect task runner (None: Prefect's default)
TASK_RUNNERS: dict[str, TaskRunnerFactory] = {}


def register_task_runner(name: str, factory: TaskRunnerFactory) -> None:
    """Add (or replace) a task runner that ``ONBRAND_TASK_RUNNER=name`` selects."""
    TASK_RUNNERS[name] = factory


def task_runner_for(settings: Settings) -> Any:
    """The Prefect task runner the settings ask for (None: Prefect's default, in this process)."""
    factory = TASK_RUNNERS.get(settings.task_runner)
    if factory is None:
        raise UserError(
            f"ONBRAND_TASK_RUNNER={settings.task_runner}: unknown task runner; known: {', '.join(TASK_RUNNERS)}"
        )
    return factory(settings)


def _default(settings: Settings) -> Any:
    return None


def _dask(settings: Settings) -> Any:
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise UserError("ONBRAND_TASK_RUNNER=dask needs prefect-dask: pip install prefect-dask") from exc
    if settings.task_runner_address:  # its workers need PREFECT_API_URL like every process
        return DaskTaskRunner(address=settings.task_runner_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.render_workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "env": worker_api_env(),
        }
    )


def _ray(settings: Settings) -> Any:
    try:
        from prefect_ray import RayTaskRunner
    except ImportError as exc:
        raise UserError("ONBRAND_TASK_RUNNER=ray needs prefect-ray: pip install 'onbrand[ray]'") from exc
    if settings.task_runner_address:  # its workers need PREFECT_API_URL like every process; pass ours
        from prefect.settings import PREFECT_API_URL

        url = PREFECT_API_URL.value()
        init = {"runtime_env": {"env_vars": {"PREFECT_API_URL": str(url)}}} if url else {}
        return RayTaskRunner(address=settings.task_runner_address, init_kwargs=init)
    return RayTaskRunner(init_kwargs={"runtime_env": {"env_vars": worker_api_env()}})


def worker_api_env() -> dict[str, str]:
    """PREFECT_API_URL for local worker processes. Without a server configured, Prefect's temporary
    server is started now (the flow reuses it), so that workers report their task runs to it instead
    of each starting a temporary server of its own."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        url = server.api_url
    return {"PREFECT_API_URL": str(url)}


register_task_runner("default", _default)
register_task_runner("dask", _dask)
register_task_runner("ray", _ray)
