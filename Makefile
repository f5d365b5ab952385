# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: demo test notebooks bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-notebooks: $(VENV)/.installed
	$(PIP) install --quiet -e '.[notebooks]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/proposal-nlp run --demo -o demo_output.xlsx --force
	@echo "The worked examples: make notebooks"

# installs what the notebooks need (matplotlib, a kernel, JupyterLab) and starts nothing
notebooks: $(VENV)/.installed-notebooks
	@echo "Notebooks ready. Open them with:"
	@echo "  $(VENV)/bin/jupyter lab notebooks/"
	@echo "Chinese labels in their figures need a Chinese font (Debian: apt-get install fonts-noto-cjk)."

test: $(VENV)/.installed-test
	$(PY) -m pytest -q --nbmake --nbmake-timeout=900 tests notebooks

bench: $(VENV)/.installed-test
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) demo_output.xlsx demo_output.html demo_output
