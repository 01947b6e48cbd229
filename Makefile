# Two commands for a new user: `make chat` and `make test`. Both set up .venv first:
# `make chat` installs what running needs, `make test` adds the test and lint tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.roleqa-installed
TEST_STAMP := $(VENV)/.roleqa-test-installed

.PHONY: setup chat test lint build bench bench-scale formats conversations quality clean-corpus

setup: $(STAMP)

# Reinstall only when the project's dependencies change; otherwise `make setup` is instant.
$(STAMP): pyproject.toml
	@echo "Setting up $(VENV): installing roleqa and its dependencies (torch CPU, sentence-transformers, FAISS, ONNX Runtime); a minute or two the first time..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)
	@echo "Set up: $(BIN)/roleqa"

$(TEST_STAMP): $(STAMP)
	@echo "Installing the test and lint tools (pytest, ruff, pexpect, hypothesis)..."
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

chat: setup
	$(BIN)/roleqa chat

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

build: setup
	$(BIN)/roleqa build

# roleqa against two baselines, and its ablation, on the test split (README "Quality").
quality: setup
	$(BIN)/python bench/quality.py

# Speed and memory, printed as one table (README "Speed").
bench: setup
	$(BIN)/python bench/speed.py

# Growth: Python's documentation at 1 MB, 10 MB and 100,000 passages, beside a plain script (about 2 hours).
bench-scale: setup
	$(BIN)/python bench/scale.py

# Real documents in five formats, as shipped and converted to Markdown (needs Debian's pandoc).
formats: setup
	$(BIN)/python bench/formats.py

# Follow-ups on labelled conversations over the article and real documents.
conversations: setup
	$(BIN)/python bench/conversations.py

# Regenerate corpus/ from the raw scraped page (tests check it is up to date).
clean-corpus: setup
	$(BIN)/roleqa clean sources/000_cafb6aafcb78b802.txt -o corpus/data-science-vs-machine-learning-engineer.md
