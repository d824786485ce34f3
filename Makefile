# The two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

# One test process per core, whole test files to a process (their module fixtures run once).
PYTEST_PARALLEL ?= -n auto --dist loadfile

.PHONY: run test install install-dev translations migrate seed serve bench lint extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d lms/translations

migrate: install translations
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask lms import-courses --keep-browser-edits
	$(BIN)/flask lms import-quizzes
	$(BIN)/flask lms seed-demo

run: seed
	@echo "Serving OCOP LMS on http://127.0.0.1:5000 (Ctrl+C to stop)"
	@# The worker runs beside gunicorn and is stopped (SIGTERM, then waited for) however gunicorn ends.
	$(BIN)/flask lms worker & worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --access-logfile -

test: install-dev translations
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

lint: install-dev
	$(BIN)/ruff check lms tests bench

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot --no-location --sort-output --project "OCOP LMS" .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-wrap --ignore-obsolete --no-fuzzy-matching

bench: install-dev translations
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
