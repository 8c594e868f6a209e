# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := participa

.PHONY: demo test lint format serve worker clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

instance/secret_key:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@

## demo: install, create the SQLite database, load demo data, serve on 127.0.0.1:$(PORT)
demo: $(VENV)/.installed instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask demo load
	@echo "Participa: http://127.0.0.1:$(PORT)"
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## test: install dev extras, check style, run the whole suite
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## translations: extract the Spanish msgids, merge them into the English catalogue, compile it
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-output \
		--project=Participa --version=0.1.0 --copyright-holder="Participa" -o participa/translations/messages.pot .
	$(BIN)/pybabel update -i participa/translations/messages.pot -d participa/translations \
		-l en --ignore-obsolete
	$(BIN)/pybabel compile -d participa/translations -l en --statistics

worker: $(VENV)/.installed
	$(BIN)/celery -A worker.app worker --loglevel=info

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
