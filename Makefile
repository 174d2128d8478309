# Communicator — `make run` (try it) and `make test` (every test). See README.md.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV_LINK_MODE := copy
PORT ?= 8000

.PHONY: run test typecheck bench schemas frontend deps services lint test-backend test-frontend

# In the demo a third of the virtual phones answer on their own, so a send gets replies without clicking.
run: export COMMUNICATOR_SIM_AUTO_REPLY_RATE ?= 0.3
run: deps frontend
	$(UV) run communicator serve --demo --port $(PORT)  # serve migrates first

# The Python tests run in TEST_WORKERS pytest-xdist workers, one whole file per worker at a time (module fixtures
# and incremental journeys stay in one process); heavy modules start first. docs/testing.md.
test: TEST_WORKERS ?= 3
test: deps services frontend
	$(UV) run python -m communicator.schemagen --check
	$(MAKE) --no-print-directory typecheck
	cd frontend && npm test
	COMMUNICATOR_E2E_REQUIRED=1 $(UV) run pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# mypy over backend/communicator (strict on services, events and domain; config in pyproject.toml),
# svelte-check over the SPA (warnings fail).
typecheck: deps
	$(UV) run mypy
	cd frontend && (test -d node_modules || npm ci --no-audit --no-fund --loglevel=error) && npm run check

bench: deps
	$(UV) run python bench/run_all.py

schemas: deps
	$(UV) run python -m communicator.schemagen
	cd frontend && npm run gen:types

deps:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet

frontend:
	cd frontend && (npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error)
	cd frontend && npm run build --silent

services:
	bash scripts/ensure-services.sh

lint:
	duplicates --change
