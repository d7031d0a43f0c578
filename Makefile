# The two set-up commands of the README are `make demo` and `make test`;
# each creates .venv and installs the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench eval lock servers clean

LOCK := requirements.lock

# Installs the exact versions of requirements.lock, so a fresh clone tests what CI tested.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

# Re-resolve the newest versions pyproject.toml allows, in a scratch venv, and rewrite the lock.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip
	.lock-venv/bin/python -m pip install -q -e '.[dev]'
	{ echo "# Exact versions that \`make\` installs (pip constraints). Refresh on purpose with \`make lock\`."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .lock-venv

# The offline model: no key, network or weights (see the README). Run it again: nothing is re-filed.
DEMO_DB := sqlite:///memoir.db
DEMO_QUESTION := Why does the Moon have phases?

demo: $(STAMP)
	$(BIN)/memoir --db $(DEMO_DB) ingest samples
	$(BIN)/memoir --db $(DEMO_DB) tree
	$(BIN)/memoir --db $(DEMO_DB) query "$(DEMO_QUESTION)" --strategy wide_branch
	$(BIN)/memoir --db $(DEMO_DB) log --limit 5

test: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# `memoir eval` of the questions written for samples/ (eval/samples.jsonl), on a fresh SQLite
# memory of the samples, with the offline model; the HTML report goes to .eval/report.html.
EVAL_DIR := .eval
EVAL_DB := sqlite:///$(EVAL_DIR)/samples.db
EVAL_BUDGET := 2000

eval: $(STAMP)
	rm -rf $(EVAL_DIR)
	mkdir -p $(EVAL_DIR)
	$(BIN)/memoir --db $(EVAL_DB) --model offline ingest samples > $(EVAL_DIR)/ingest.txt
	$(BIN)/memoir --db $(EVAL_DB) --model offline eval eval/samples.jsonl \
		--budget $(EVAL_BUDGET) --html $(EVAL_DIR)/report.html

# Throwaway PostgreSQL and MariaDB on loopback; then `source /tmp/memoir-test-servers/env`.
servers:
	.ci/servers.sh start

clean:
	rm -rf $(VENV) $(EVAL_DIR) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
