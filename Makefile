# The two commands of the README's quickstart. Both work on a fresh machine with only
# Python 3.11 and make: they create .venv, install newsmon into it, then run.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test setup compiled lm browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,compiled]'
	touch $(STAMP)

# The repair's hot modules compiled with Cython (same repairs, faster); a no-op when they
# match the source, and plain Python is used where there is no C compiler.
compiled: setup
	@$(BIN)/python -c 'import sys; from pipeline.repair.compiled import main; sys.exit(main())' || true

# The input method's language model the repair adds to its own (pipeline/repair/imelm.py):
# the kenlm reader (a C++ extension) and the pinned Debian package that holds the model.
# Either may fail (no compiler, no way to the mirror): the repair then runs without it.
lm: setup
	@$(BIN)/python -c 'import kenlm' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[lm]' \
	  || echo "could not build kenlm: the repair runs without the input-method model"
	@$(BIN)/python -m pipeline.repair.imelm fetch || true

## make run: set up, then run the monitor on the embedded (SQLite) index in ./data, with the
## editors' page on http://127.0.0.1:8080
run: setup compiled lm
	$(BIN)/newsmon run --serve

## make test: set up, then run the whole test suite
test: setup compiled lm browser
	$(BIN)/python -m pytest

# Browser tests need Debian's chromium + chromium-driver. Installed when we are root on a
# Debian-like machine; otherwise those tests are skipped with a reason.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium + chromium-driver for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "no chromium: browser tests will be skipped"; fi; \
	fi

clean:
	rm -rf $(VENV) data test-artifacts
