# Two commands on a fresh machine with Python 3.11 and pip:  `make chat`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup index chat ask test eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: 2.13.0 is the CPU build on this machine's disk (unpinned pulls a multi-GB CUDA build).
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)            ## create .venv and install the project

index: setup               ## build or update index/ from corpus/ (only changes are written)
	$(BIN)/assistant ingest

chat: index                ## the Gradio chat on http://127.0.0.1:7860
	$(BIN)/python ui.py

ask: index                 ## make ask Q="When is the deadline for the negotiations?"
	$(BIN)/assistant ask "$(Q)"

test: setup                ## the whole test suite, slow tests included (what CI runs)
	$(BIN)/python -m pytest

eval: index                ## the eval suite; writes evals/report.md and evals/results.json
	$(BIN)/assistant eval

clean:
	rm -rf $(VENV) index evals/report.md evals/results.json
