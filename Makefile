# Renkei: the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format clean

$(BIN)/renkei: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/renkei

# Until the web platform exists, the demo assesses every bundled example proposal.
demo: $(BIN)/renkei
	@for f in examples/*.yaml; do \
	  echo "=== $$f"; $(BIN)/renkei assess "$$f"; echo "(exit code $$?)"; \
	done

test: $(BIN)/renkei
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	$(BIN)/pytest -q

lint: $(BIN)/renkei
	$(BIN)/ruff check src tests scripts benchmarks

format: $(BIN)/renkei
	$(BIN)/ruff format src tests scripts benchmarks
	$(BIN)/ruff check --fix src tests scripts benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
