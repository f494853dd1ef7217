# ML Math Notes — two commands for a newcomer:
#   make serve   set up, execute the notebooks, build and serve at http://127.0.0.1:8000
#   make test    set up and run every check (lint, unit tests, notebooks, strict site build)
# Also: make site (build into site/), make notebooks, make lint, make bench, make clean,
#       make new-post SECTION=… SLUG=… (a page and a notebook that build as they are).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export NOTES_PROFILE ?= quick
export NOTES_CELL_TIMEOUT ?= 600

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser serve site notebooks lint test bench clean new-post

install: $(INSTALLED)

# (Re)install when the pins change. The repo is deliberately NOT on the venv's path:
# notebooks run in their standalone form, in an empty folder (notesbuild/standalone.py),
# which proves that a downloaded notebook needs nothing from this repo. (Venvs made
# before that had a mlnotes.pth; it is removed.)
$(INSTALLED): requirements.txt requirements-lint.txt package.json package-lock.json Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-lint.txt
	rm -f $(VENV)/lib/python*/site-packages/mlnotes.pth
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser test drives Debian's Chromium (Playwright downloads no browser of its own);
# the CJK fonts make the screenshots readable.
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; }

serve: install
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

site: install
	$(BIN)/mkdocs build --strict

notebooks: install
	$(BIN)/python -m notesbuild.execute

lint: install
	$(BIN)/ruff check .
	$(BIN)/zizmor --offline --quiet .github/workflows

# `python -m pytest` (not .venv/bin/pytest) puts the repo on sys.path for -p notesbuild.nbtest.
# Notebooks run once per test run: nbmake executes those without a cached
# execution and the plugin caches them; the site build then must execute none.
# Then the built site is opened page by page in headless Chromium.
test: install browser lint
	$(BIN)/python -m notesbuild.nbtest stage
	$(BIN)/python -m pytest -n 2 -p notesbuild.nbtest --nbmake --overwrite --nbmake-timeout=$(NOTES_CELL_TIMEOUT) \
	  --ignore=tests/browser tests .cache/nbtest
	NOTES_REQUIRE_CACHED=1 $(BIN)/mkdocs build --strict
	$(BIN)/python -m pytest tests/browser

# Numbers, not tests: build times, notebook seconds, math rendering old vs new, page weight -> BENCHMARK.md
bench: install browser
	$(BIN)/python -m notesbuild.bench

# Start a post from the templates (notesbuild/templates/): make new-post SECTION=generative SLUG=flow-matching
new-post: install
	@test -n "$(SECTION)" -a -n "$(SLUG)" || { echo "usage: make new-post SECTION=<folder under docs/> SLUG=<slug> [TITLE=...]"; exit 2; }
	$(BIN)/python -m notesbuild.newpost $(SECTION) $(SLUG) $(if $(TITLE),--title "$(TITLE)")

clean:
	rm -rf site .cache
