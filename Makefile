# InvoiceFlow: `make run` to start, `make test` to run the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := app:create_app

.PHONY: run install assets favicon translations messages db test test-postgres lint format bench clean

run: install assets translations db
	$(BIN)/python run.py

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# bpmn-js from the npm registry, copied into the app's static files (users' networks may be closed),
# and the editor's live checks (bpmn-js-bpmnlint with the rules of frontend/bpmnlint.config.js)
# bundled there by esbuild.
VENDOR := app/web/static/vendor/bpmn-js
LINT_VENDOR := app/web/static/vendor/bpmnlint
# Chart.js for the dashboard's charts, served from the app's static files as well.
CHART_VENDOR := app/web/static/vendor/chart.js
# dmn-js, the decision-table editor, copied likewise.
DMN_VENDOR := app/web/static/vendor/dmn-js
assets: $(VENDOR)/.built $(LINT_VENDOR)/.built $(CHART_VENDOR)/.built $(DMN_VENDOR)/.built

$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/
	cp node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/
	touch $@

$(LINT_VENDOR)/.built: $(VENDOR)/.built $(shell find frontend -type f 2>/dev/null)
	node frontend/build.mjs
	touch $@

$(DMN_VENDOR)/.built: $(VENDOR)/.built
	mkdir -p $(DMN_VENDOR)
	cp node_modules/dmn-js/dist/dmn-modeler.production.min.js node_modules/dmn-js/LICENSE $(DMN_VENDOR)/
	cp -r node_modules/dmn-js/dist/assets $(DMN_VENDOR)/
	touch $@

$(CHART_VENDOR)/.built: $(VENDOR)/.built
	mkdir -p $(CHART_VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map \
		node_modules/chart.js/LICENSE.md $(CHART_VENDOR)/
	touch $@

# After changing app/web/static/favicon.svg: redraw favicon.ico and apple-touch-icon.png from it
# (Chromium renders, Pillow packs the .ico). The results are committed.
favicon: install
	$(BIN)/python frontend/favicon.py

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d app/translations -f >/dev/null

# After adding or changing text: re-extract, then translate the new entries in the .po file.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k lazy_gettext -o /tmp/invoiceflow.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i /tmp/invoiceflow.pot -d app/translations -l ru
	$(BIN)/python app/translations/keep_fab_entries.py

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask init-security
	$(BIN)/flask process seed
	$(BIN)/flask demo-data

# The suite runs in TEST_WORKERS processes (pytest-xdist), a test file per process at a time, in
# the order tests/conftest.py gives (the longest files first). Three on two cores: the browser
# and server tests wait on each other a good part of the time (two processes: 16 min, three: 12).
TEST_WORKERS ?= 3
test: install assets translations
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

test-postgres: install assets translations
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests bench config.py run.py
	$(BIN)/ruff format --check app tests bench config.py run.py

format: install
	$(BIN)/ruff format app tests bench config.py run.py
	$(BIN)/ruff check --fix app tests bench config.py run.py

bench: install translations
	$(BIN)/python bench/invoice_list.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules $(VENDOR) $(LINT_VENDOR) $(CHART_VENDOR)
