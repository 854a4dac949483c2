# Two entry points: `make run` (build the site, serve it with the consent service) and
# `make test` (everything the test suite needs, then the suite). Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

DEBIAN_TEST_PACKAGES := chromium postgresql default-jre-headless faketime nginx logrotate systemd

.PHONY: run test site lint catalogs system-deps node-deps

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Build the site into site/ (POLICY_AS_OF=YYYY-MM-DD to build as of another date). The new
## build replaces site/ only once it has fully succeeded, so a failed build never leaves a gap.
site: $(BIN)/.installed
	rm -rf site.new
	$(BIN)/mkdocs build --strict --site-dir site.new
	rm -rf site.old; if [ -d site ]; then mv site site.old; fi; mv site.new site; rm -rf site.old

## Build the site and serve it with the consent service (SQLite) on http://$(HOST):$(PORT)/.
run: site
	CONSENT_SITE_DIR=site $(BIN)/flask --app consent_service.app consent init-db
	@echo "Serving the site and the consent service on http://$(HOST):$(PORT)/"
	CONSENT_SITE_DIR=site exec $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --no-control-socket --config python:consent_service.gunicorn_config 'consent_service.app:create_app()'

## Install what the browser, PostgreSQL, HTML validator and production set-up tests need (Debian, as root).
system-deps:
	@missing=""; for p in $(DEBIAN_TEST_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages:$$missing (run make test as root, or install them)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

node-deps: node_modules/.installed

lint: $(BIN)/.installed
	$(BIN)/ruff check .

## Regenerate the gettext catalogs of both packages after changing user-visible strings.
CATALOG_PACKAGES := policy_site consent_service
catalogs: $(BIN)/.installed
	templates=$$(mktemp -d) && trap 'rm -rf "$$templates"' EXIT && \
	for package in $(CATALOG_PACKAGES); do \
	  $(BIN)/pybabel extract -F babel.cfg -k _ --no-location --omit-header -o $$templates/$$package.pot $$package && \
	  $(BIN)/pybabel update -i $$templates/$$package.pot -d $$package/locale -D messages --no-fuzzy-matching --ignore-pot-creation-date || exit 1; \
	done

## Everything: set-up, lint, the whole test suite.
test: $(BIN)/.installed system-deps node-deps
	$(BIN)/ruff check .
	CI=$${CI:-true} $(BIN)/python -m pytest
