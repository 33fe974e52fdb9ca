# newsdive: every target installs what it needs. Quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
TOOLS  := .venv-tools
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
TOOLS_STAMP := $(TOOLS)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test unit integration e2e lint validate schemas bench deploy clean help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml shared/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsdive needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# aws-sam-cli pins versions that clash with the app's (boto3, pydantic): it lives in its own environment.
$(TOOLS_STAMP):
	@test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check 'aws-sam-cli>=1.120'
	@touch $@

demo: $(STAMP) ## run the whole pipeline locally on the bundled sample web (output in ./out)
	$(VENV)/bin/newsdive demo --out out

test: $(STAMP) $(TOOLS_STAMP) ## run every test (unit, integration, end-to-end, template validation)
	$(PY) -m pytest $(PYTEST_ARGS)

unit: $(STAMP) ## unit tests only (fast, no sockets)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

integration: $(STAMP) $(TOOLS_STAMP) ## handlers and adapters against moto, template checks
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

e2e: $(STAMP) ## the whole local pipeline
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check shared functions tests

validate: $(STAMP) $(TOOLS_STAMP) ## sam validate --lint and cfn-lint on infra/template.yaml
	$(TOOLS)/bin/sam validate --lint --template infra/template.yaml --region us-east-1
	$(VENV)/bin/cfn-lint infra/template.yaml

schemas: $(STAMP) ## regenerate schemas/v1 from the models
	$(VENV)/bin/newsdive schemas

bench: $(STAMP) ## list the benchmarks (run one with: .venv/bin/newsdive bench NAME --dataset DIR)
	$(VENV)/bin/newsdive bench

deploy: $(TOOLS_STAMP) ## build and deploy to your AWS account (needs credentials; asks before changing anything)
	$(TOOLS)/bin/sam build --template infra/template.yaml
	$(TOOLS)/bin/sam deploy --guided --config-file infra/samconfig.toml

clean: ## remove environments and outputs
	rm -rf $(VENV) $(TOOLS) out .newsdive .aws-sam .pytest_cache
