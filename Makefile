# ML Math Notes — two commands for a newcomer:
#   make serve   set up, execute the notebooks, build and serve at http://127.0.0.1:8000
#   make test    set up and run every check (lint, unit tests, notebooks, strict site build)
# Also: make site (build into site/), make notebooks, make lint, make bench, make clean, make lock,
#       make new-post SECTION=… SLUG=… (a page and a notebook that build as they are).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export NOTES_PROFILE ?= quick
export NOTES_CELL_TIMEOUT ?= 600

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Two locks (README, "Dependencies"): the notebooks' runtime, which the execution cache key
# hashes, and the site/test tools, which it does not; uv.txt is the installer itself.
LOCKS  := requirements/runtime.txt requirements/tools.txt requirements/uv.txt
# runtime.txt pins torch's CPU build (<version>+cpu), which PyPI does not have. uv reads no pip
# configuration, so it is handed pip's find-links where pip has one (this image: /opt/wheels),
# else PyTorch's page of torch wheels. The wheel's hash is checked either way.
TORCH_CPU ?= $(or $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null),https://download.pytorch.org/whl/cpu/torch/)
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11.7 \
  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock"

.PHONY: install lock browser serve site notebooks lint test bench clean new-post

install: $(INSTALLED)

# (Re)install when a lock changes: `uv pip sync` installs exactly the locks, hashes checked,
# and removes what they no longer list. The repo is deliberately NOT on the venv's path:
# notebooks run in their standalone form, in an empty folder (notesbuild/standalone.py),
# which proves that a downloaded notebook needs nothing from this repo.
$(INSTALLED): $(LOCKS) package.json package-lock.json Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/uv.txt
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes $(addprefix --find-links=,$(TORCH_CPU)) $(LOCKS)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# After editing requirements/*.in: compile the locks (uv keeps the pins already there unless
# the inputs need others). runtime-cuda.txt is the runtime for GPU runners (README, Publishing):
# PyPI's CUDA build of the same torch, the other pins taken from runtime.txt.
lock:
	test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/uv.txt; }
	sed -n 's/^torch==\([^ ;#]*\).*/torch==\1+cpu/p' requirements/runtime.in > $(VENV)/torch-cpu.override
	$(UV_COMPILE) $(addprefix --find-links=,$(TORCH_CPU)) --override $(VENV)/torch-cpu.override \
	  requirements/runtime.in -o requirements/runtime.txt
	cp requirements/runtime.txt requirements/runtime-cuda.txt
	$(UV_COMPILE) requirements/runtime.in -o requirements/runtime-cuda.txt
	$(UV_COMPILE) -c requirements/runtime.txt requirements/tools.in -o requirements/tools.txt
	$(UV_COMPILE) requirements/uv.in -o requirements/uv.txt

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
