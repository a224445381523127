# Caring Cities course server. `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
COURSE ?= courses/caring_cities
FLASK := $(BIN)/flask --app app

.DEFAULT_GOAL := help
.PHONY: help run serve-prod test test-fast test-future lint fmt setup setup-dev setup-prod lock clean translations messages bench bench-capacity bench-scheduler audit

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-11s %s\n", $$1, $$2}'

# The new environment's pip is replaced first by the locked one (requirements/pip.txt): the pip
# a Python ships may be years old, and old ones fail on a hash-checked lock whose packages are
# asked for with extras (pip-audit's CacheControl[filecache]) once a newer release exists.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/pip.txt

# Dependencies are installed from the lock files (requirements/*.txt: exact versions with their
# hashes, made by `make lock` from pyproject.toml's ranges), then the app itself, editable and
# without dependencies of its own. app.txt runs one node on SQLite; production.txt adds the
# PostgreSQL and Redis extras; dev.txt adds the test tools.
PIP_INSTALL := $(BIN)/python -m pip install --quiet

$(VENV)/.installed: requirements/app.txt pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r requirements/app.txt
	$(PIP_INSTALL) --no-deps -e .
	@touch $@

$(VENV)/.installed-prod: requirements/production.txt pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r requirements/production.txt
	$(PIP_INSTALL) --no-deps -e .
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r requirements/dev.txt
	$(PIP_INSTALL) --no-deps -e .
	@touch $@ $(VENV)/.installed-prod $(VENV)/.installed

# The interface's translations: .po files are the source, .mo files are compiled from them.
CATALOGUES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

setup: $(VENV)/.installed $(COMPILED) ## Create the virtualenv and install the app

setup-dev: $(VENV)/.installed-dev $(COMPILED) ## Create the virtualenv with the test tools

setup-prod: $(VENV)/.installed-prod $(COMPILED) ## The virtualenv with PostgreSQL and Redis (production.txt)

translations: $(COMPILED) ## Compile the interface's translations (app/translations/*/*.po)

messages: setup ## Extract the interface's text and add new strings to each catalogue
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -o app/translations/messages.pot app
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i app/translations/messages.pot -d app/translations

# The lock files for Python 3.11 on Linux, with uv (from dev.txt). Versions already locked are
# kept while they satisfy pyproject.toml; LOCK_FLAGS=--upgrade takes the newest allowed ones.
# app.txt and production.txt are constrained by dev.txt, so the three never disagree.
LOCK_FLAGS ?=
UV := UV_CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/uv pip compile --quiet --generate-hashes \
	--python-version 3.11 --python-platform x86_64-unknown-linux-gnu
UV_COMPILE := $(UV) pyproject.toml

lock: $(VENV)/.installed-dev ## Pin the dependencies with their hashes (requirements/*.txt)
	$(UV_COMPILE) $(LOCK_FLAGS) --extra dev -o requirements/dev.txt
	$(UV_COMPILE) -c requirements/dev.txt -o requirements/app.txt
	$(UV_COMPILE) -c requirements/dev.txt --extra postgres --extra redis -o requirements/production.txt
	echo pip | $(UV) - -c requirements/dev.txt -o requirements/pip.txt

# The job queue's worker (mail) runs beside the app, and stops with it.
run: setup ## Set up the database, import the course and serve it at http://127.0.0.1:$(PORT), with its worker
	$(FLASK) db upgrade
	$(FLASK) course import $(COURSE)
	$(FLASK) user ensure-admin
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(FLASK) run --port $(PORT)

serve-prod: setup-prod ## Migrate, import the course and serve under gunicorn against DATABASE_URL (docs/deploy.md)
	$(FLASK) db upgrade
	$(FLASK) course import $(COURSE)
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py 'app:create_app()'

# The suite runs on every core (at most 4 workers: each browser-test worker starts a server
# and a Chromium of its own); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal

test: setup-dev ## Lint, then run the test suite (twice when TEST_DATABASE_URL is set)
	$(BIN)/ruff check .
	TEST_DATABASE_URL= $(PYTEST)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== second pass against $$TEST_DATABASE_URL"; \
		$(PYTEST); \
	fi

# The quick run while working: on SQLite, without the browser tests and the slow ones
# (markers in tests/conftest.py). `make test` stays the full suite that CI runs.
test-fast: setup-dev ## Run the tests that are neither `browser` nor `slow`, on SQLite
	TEST_DATABASE_URL= $(PYTEST) -m "not browser and not slow"

# The suite with the clock moved (tests/clock.py), on SQLite: tests pass `now` or freeze the
# clock, so none of them depends on today's date (docs/testing.md).
TEST_CLOCK ?= 2028-01-01

test-future: setup-dev ## Run the test suite on SQLite with the clock at TEST_CLOCK (2028-01-01)
	TEST_DATABASE_URL= TEST_CLOCK=$(TEST_CLOCK) $(PYTEST)

# Security checks (docs/security-checks.md): bandit fails on a high-severity finding (with
# --ignore-nosec, so no `# nosec` comment silences one) after listing every finding; pip-audit
# checks the virtualenv's installed packages and says plainly when it could not reach the
# advisory database (AUDIT_STRICT=1 makes that fail too).
audit: setup-dev ## Security checks: bandit (fails on high severity) and pip-audit
	$(BIN)/bandit -r app --ignore-nosec -q --exit-zero
	$(BIN)/bandit -r app --ignore-nosec -q --severity-level high
	$(BIN)/python scripts/audit_dependencies.py

lint: setup-dev ## Check the code with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: setup-dev ## Format the code and fix what ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmarks (bench/, never part of `make test`): seed 10,000 learners, then drive gunicorn
# with wrk. BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test runs them on
# PostgreSQL (schema `bench`); figures go to bench/RESULTS.md.
bench: setup-dev ## Seed 10,000 + 1,000 learners, benchmark the pages, capacity on PostgreSQL (bench/RESULTS.md)
	@command -v wrk >/dev/null || { echo "installing wrk with apt-get"; apt-get install -y wrk >/dev/null 2>&1; } || \
		{ echo "make bench needs wrk: apt-get install wrk (as root) did not work"; exit 1; }
	$(BIN)/python -m bench.seed
	$(BIN)/python -m bench.run
	@case "$$BENCH_DATABASE_URL" in postgresql*) $(BIN)/python -m bench.capacity;; \
		*) echo "capacity: run on PostgreSQL only (BENCH_DATABASE_URL=postgresql+psycopg://...)";; esac
	$(BIN)/python -m bench.scheduler

bench-capacity: setup-dev ## Simultaneous learners held by the production settings (after make bench's seed)
	$(BIN)/python -m bench.capacity

bench-scheduler: setup-dev ## Time the reminder scheduler's pass over 10,000 learners (no wrk needed)
	$(BIN)/python -m bench.scheduler

clean: ## Remove the virtualenv and caches (instance/ is kept)
	rm -rf $(VENV) .pytest_cache .ruff_cache
