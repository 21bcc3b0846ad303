# Two commands for a newcomer (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
RUN    ?= runs/demo-$(shell date +%Y%m%d-%H%M%S)

.PHONY: demo test install install-all lint clean

$(VENV)/.stamp-local: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[local,dev]'
	$(PY) -m pip check
	touch $@

$(VENV)/.stamp-all: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[local,server,compile,sft,export,eval,ray,dev]'
	$(PY) -m pip check
	touch $@ $(VENV)/.stamp-local

install: $(VENV)/.stamp-local

install-all: $(VENV)/.stamp-all

## The main job: generation on the embedded model over the sample seeds shipped in examples/seeds.
demo: $(VENV)/.stamp-local
	$(VENV)/bin/agentinstruct generate --seeds examples/seeds --skills reading_comprehension \
		--config examples/configs/embedded.yaml --out $(RUN)

## Lint, then the whole offline test suite (includes the tests that run the real embedded model).
test: $(VENV)/.stamp-all lint
	$(PY) -m pytest -q

lint: $(VENV)/.stamp-all
	$(VENV)/bin/ruff check core agentinstruct signatures programs metrics compile sft eval tests bench

clean:
	rm -rf $(VENV) build *.egg-info
