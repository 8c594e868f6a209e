# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := participa

.PHONY: audit demo test lint typecheck format lock serve worker clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools  # the venv's own setuptools is old (CVEs)

# The exact versions (and hashes) of requirements/*.txt, then the package itself without
# letting pip pick any version of its own; `make lock` writes those files from pyproject.toml.
$(VENV)/.installed: requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/base.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(VENV)/.installed

## lock: re-resolve requirements/base.txt (runtime) and requirements/dev.txt (the dev extra,
## pinned to the same runtime versions) from pyproject.toml, at the newest versions allowed,
## with their hashes. LOCK_FLAGS= (empty) keeps the current pins and only adds what changed.
LOCK_FLAGS ?= --upgrade
PIP_COMPILE = $(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)
lock: | $(BIN)/python
	$(BIN)/pip install -q 'pip-tools>=7.4'
	$(PIP_COMPILE) -o requirements/base.txt pyproject.toml
	$(PIP_COMPILE) --extra dev -c requirements/base.txt -o requirements/dev.txt pyproject.toml

# The demo's own secrets, written once and passed in the environment (the app reads none
# from the instance folder: every node of a deployment must be given the same pair).
instance/secret_key instance/census_salt:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@
DEMO_SECRETS = SECRET_KEY=$$(cat instance/secret_key) CENSUS_SALT=$$(cat instance/census_salt)

## demo: install, create the SQLite database, load demo data, serve on 127.0.0.1:$(PORT)
demo: $(VENV)/.installed instance/secret_key instance/census_salt
	$(DEMO_SECRETS) $(BIN)/flask db upgrade
	$(DEMO_SECRETS) $(BIN)/flask demo load
	@echo "Participa: http://127.0.0.1:$(PORT)"
	@echo "E-mails (confirmation and password links): instance/mail/<id>.eml"
	$(DEMO_SECRETS) PARTICIPA_SESSION_COOKIE_SECURE=false \
		PARTICIPA_MAIL_OUTBOX_DIR=mail PARTICIPA_PUBLIC_URL=http://127.0.0.1:$(PORT) \
		$(BIN)/flask run --host 127.0.0.1 --port $(PORT)  # plain http: cookies not Secure-only

## test: install the locked dev requirements, check style and types, audit the dependencies,
## run the whole suite
test: $(VENV)/.installed-dev audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

## audit: known vulnerabilities of the installed packages (PyPI's advisories); any finding
## fails. A package PyPI cannot be asked about is listed as skipped; AUDIT_FLAGS=--strict
## makes that fail too (for release builds on a machine with full access to pypi.org).
## Offline (pypi.org unreachable) it says so and goes on, unless AUDIT_FLAGS is set.
AUDIT_FLAGS ?=
audit: $(VENV)/.installed-dev
	@if $(BIN)/python -c "import urllib.request as r; r.urlopen('https://pypi.org/simple/pip/', timeout=10)" 2>/dev/null; then \
		status=0; $(BIN)/pip-audit --vulnerability-service pypi --skip-editable \
			--progress-spinner off -f json -o $(VENV)/audit.json $(AUDIT_FLAGS) || status=$$?; \
		$(BIN)/python .ci/audit_summary.py $(VENV)/audit.json && test $$status -eq 0; \
	else \
		echo "audit: pypi.org cannot be reached; the dependencies were NOT audited" >&2; \
		test -z "$(AUDIT_FLAGS)"; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## typecheck: mypy on the whole package (strict on participa.tallying and participa.db)
typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## translations: extract the Spanish msgids, merge them into the English catalogue, compile it
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-output \
		--project=Participa --version=0.1.0 --copyright-holder="Participa" -o participa/translations/messages.pot .
	$(BIN)/pybabel update -i participa/translations/messages.pot -d participa/translations \
		-l en --ignore-obsolete
	$(BIN)/pybabel compile -d participa/translations -l en --statistics

## worker: with CELERY_BROKER_URL set, a worker on the default queue and one on the tally
## queue (tallies and publications, one at a time); the demo's secrets unless SECRET_KEY
## and CENSUS_SALT are set. Ctrl-C stops both.
WORKER_SECRETS = SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key)} \
	CENSUS_SALT=$${CENSUS_SALT:-$$(cat instance/census_salt)}
worker: $(VENV)/.installed instance/secret_key instance/census_salt
	$(WORKER_SECRETS) $(BIN)/celery -A worker.app worker -Q tally --concurrency 1 \
		--prefetch-multiplier 1 -n tally@%h --loglevel=info & tally=$$!; \
	trap 'kill $$tally 2>/dev/null' EXIT INT TERM; \
	$(WORKER_SECRETS) $(BIN)/celery -A worker.app worker -Q celery -n default@%h --loglevel=info

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
