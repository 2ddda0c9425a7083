"""The benchmarks set ONBRAND_* variables in os.environ as a user's shell would; their tests put the
environment back afterwards, so later tests never see a benchmark's workspace or database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_environment() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
