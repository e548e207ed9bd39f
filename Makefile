# Renkei: the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo assess-examples test lint format clean

$(BIN)/renkei: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/renkei

# The demo runs the platform on an embedded SQLite database (var/renkei.sqlite3), "as of" a
# moment inside the seed calls so that their rounds are open (shown in a banner). It is a
# developer's machine: RENKEI_DEBUG=1 (debug pages, the development secret key, plain HTTP);
# without it the platform starts with production settings and needs RENKEI_SECRET_KEY.
DEMO_NOW ?= 2024-06-20T10:00:00+09:00
DEMO_ENV := RENKEI_DEBUG=1 RENKEI_DEMO_NOW=$(DEMO_NOW)

# The task runner (django-q2, `manage.py qcluster`: the due-date reminders) runs beside the web
# server, its log in var/worker.log; it is stopped, by its PID, when the server stops.
demo: $(BIN)/renkei
	mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py renkei_demo
	$(DEMO_ENV) $(BIN)/python manage.py renkei_reminders
	$(DEMO_ENV) $(BIN)/python manage.py renkei_issuance_reminders
	$(DEMO_ENV) $(BIN)/python manage.py c3p_activity_reminders
	$(DEMO_ENV) $(BIN)/python manage.py qcluster > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The rules core alone: assess every bundled example proposal with the `renkei` command.
assess-examples: $(BIN)/renkei
	@for f in examples/*.yaml; do \
	  echo "=== $$f"; $(BIN)/renkei assess "$$f"; echo "(exit code $$?)"; \
	done

test: $(BIN)/renkei
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	RENKEI_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -q
	@if [ -n "$$RENKEI_TEST_POSTGRES_URL" ]; then \
	  echo "--- database-backed tests again on PostgreSQL"; \
	  DATABASE_URL="$$RENKEI_TEST_POSTGRES_URL" $(BIN)/pytest -q tests/web tests/e2e; \
	fi

# The deadline-rush benchmark (issue 3): needs PostgreSQL with the role .ci/run creates; the
# database below is dropped and created afresh. RUSH_ARGS="--proposals 200 --clients 50" etc.
RUSH_DATABASE_URL ?= postgres://renkei:renkei@127.0.0.1:5432/renkei_bench
RUSH_ARGS ?=
.PHONY: bench-rush
bench-rush: $(BIN)/renkei
	$(BIN)/pip install --quiet -e '.[bench]'
	RENKEI_BENCH_DATABASE_URL=$(RUSH_DATABASE_URL) $(BIN)/python benchmarks/deadline_rush.py $(RUSH_ARGS)

lint: $(BIN)/renkei
	$(BIN)/ruff check src tests scripts benchmarks

format: $(BIN)/renkei
	$(BIN)/ruff format src tests scripts benchmarks
	$(BIN)/ruff check --fix src tests scripts benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
