"""``python -m pipeline.cli``: the same as the ``onbrand`` command."""

from pipeline.cli import run

run()
