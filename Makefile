# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test validate bench clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/siting run configs/example.yaml

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The report test opens report.html in headless Chromium. When it is missing, install Debian's
# package if we run as root (or SITING_INSTALL_BROWSER=1 asks for it, with sudo); when that cannot
# be done the test is skipped and pytest's summary says why (SITING_REQUIRE_BROWSER=1 fails instead).
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the report browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "could not install chromium: the browser test will be skipped"; \
	elif [ "$$SITING_INSTALL_BROWSER" = 1 ] && command -v sudo >/dev/null 2>&1; then \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "could not install chromium: the browser test will be skipped"; \
	else echo "no chromium: the browser test will be skipped (SITING_INSTALL_BROWSER=1 installs it with sudo)"; fi

validate: $(STAMP)
	$(BIN)/siting validate configs/example.yaml

bench: $(STAMP)
	$(BIN)/python benchmarks/run_benchmarks.py

clean:
	rm -rf $(VENV) *.egg-info
