# Engineering ML systems: one entry point for students, instructors and CI.
#   make demo    grade a demo class end to end through real nbgrader (the main job)
#   make test    the whole test suite (what .ci/run calls)
# Both create .venv and install everything on first use (Python 3.11 and pip only).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# nbgrader runs `alembic` and Jupyter kernels by name: the venv's bin/ comes first.
RUN    := PATH="$(BIN):$$PATH" $(BIN)/python

ASSIGNMENTS ?=
STUDENTS    ?=
WORKERS     ?=
SHARD       ?=
PYTEST_ARGS ?=
PORT        ?=
NB          ?=
ID          ?=

.PHONY: help install system demo test grade release bench lint clean lab self-grade solutions

help:
	@sed -n '2,4p' Makefile

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned requirements into $(VENV) (about a minute)..."
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements.txt
	@$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

# Debian packages the grading sandbox and the tests use (bubblewrap, postgresql,
# chromium, chromium-driver): installed when missing, where apt-get and root are.
system:
	@bash tools/system-packages.sh

demo: $(STAMP) system
	$(RUN) -m mlsys.grading demo $(if $(ASSIGNMENTS),--assignments "$(ASSIGNMENTS)") $(if $(WORKERS),--workers $(WORKERS))

test: $(STAMP) system
	$(RUN) -m pytest $(PYTEST_ARGS)

grade: $(STAMP) system
	$(RUN) -m mlsys.grading grade $(if $(ASSIGNMENTS),--assignments "$(ASSIGNMENTS)") $(if $(STUDENTS),--students "$(STUDENTS)") $(if $(WORKERS),--workers $(WORKERS)) $(if $(SHARD),--shard $(SHARD))

release: $(STAMP)
	$(RUN) -m mlsys.grading release $(if $(ASSIGNMENTS),--assignments "$(ASSIGNMENTS)")

bench: $(STAMP)
	$(RUN) -m mlsys.grading bench --write $(if $(ASSIGNMENTS),--assignments "$(ASSIGNMENTS)") $(if $(WORKERS),--workers $(WORKERS))

lab: $(STAMP)
	$(RUN) -m mlsys.lab $(if $(PORT),--port $(PORT))

self-grade: $(STAMP) system
	@test -n "$(NB)" || { echo "usage: make self-grade NB=path/to/your_notebook.ipynb"; exit 2; }
	$(RUN) -m mlsys.grading.selfgrade "$(NB)"

solutions: $(STAMP)
	@test -n "$(ID)" || { echo "usage: make solutions ID=02_data_quality (an assignment id, or its number: ID=02)"; exit 2; }
	$(RUN) -m mlsys.grading.selfgrade --solution "$(ID)"

lint: $(STAMP)
	$(BIN)/ruff check mlsys tests tools nbgrader_config.py

clean:
	rm -rf submitted autograded/*/ feedback exchange logs precleaned_originals gradebook.db grades.csv grades_by_exercise.csv grades_report.png pass_rates.csv grading_log.csv
