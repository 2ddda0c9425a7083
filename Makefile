# onbrand: `make demo` and `make test` each do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# No model hub on these machines (and no telemetry): every model loads from local files.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_PROGRESS_BARS := 1
export ANONYMIZED_TELEMETRY := False
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export TOKENIZERS_PARALLELISM := false

.PHONY: install demo test lint bench gpu-check clean help

help:
	@echo "make demo    set up .venv and run onbrand on the bundled sample brand"
	@echo "make test    set up .venv and run the whole test suite"
	@echo "make install set up .venv (quick when nothing changed)"
	@echo "make lint    ruff + mypy"
	@echo "make bench   search latency, CLI start-up, ingest, retrieval quality, real brand books, render, draft model, gate"
	@echo "make gpu-check  every check that needs CUDA (says so and exits 0 without a GPU)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Plain pip on purpose: it picks up the torch build that lies on these machines' disks.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m pip install --quiet --no-deps 'invisible-watermark==0.2.0'  # see pyproject.toml
	@touch $(STAMP)

install: $(STAMP)
	@test -x $(BIN)/onbrand

demo: install
	$(BIN)/onbrand demo

# One pytest worker per core, at most four (each loads torch and the models). TEST_WORKERS=0 runs in one
# process. A module's tests stay on one worker (tests/conftest.py, pytest_xdist_make_scheduler).
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(min(4, len(os.sched_getaffinity(0))))')

test: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check pipeline agents flows ui tests bench docs/tools
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/run.py
	mkdir -p bench/results
	$(BIN)/python bench/brand_corpus.py --out bench/results/brand_corpus.json
	$(BIN)/python tests/benchmarks/render_bench.py --out bench/results/render.json
	$(BIN)/python tests/benchmarks/gate_bench.py --out bench/results/gate.json
	$(BIN)/python tests/benchmarks/prompt_sets_bench.py --quiet --out bench/results/prompt_sets.json
	$(BIN)/python tests/benchmarks/gate_colour_bench.py --out bench/results/gate_colour.json
	$(BIN)/python tests/benchmarks/plan_bench.py --out bench/results/plan.json
	$(BIN)/python tests/benchmarks/campaign_bench.py --out bench/results/campaign.json
	$(BIN)/python tests/benchmarks/fanout_bench.py --out bench/results/fanout.json
	$(BIN)/onbrand eval-draft-model --out bench/results/draft-model

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info bench/results

# Every check that needs CUDA (render benchmark with and without compile, fan-out per GPU worker,
# training and upscaling smoke tests, the gpu-marked tests): bench/results/gpu.json. Without a GPU it
# says so and exits 0; `python bench/gpu_check.py --tiny` runs the same checks at test scale anywhere.
gpu-check: install
	$(BIN)/python bench/gpu_check.py --out bench/results/gpu.json
