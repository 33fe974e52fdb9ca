# newsdive: every target installs what it needs. Quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
TOOLS  := .venv-tools
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
TOOLS_STAMP := $(TOOLS)/.installed-stamp
SECURITY_STAMP := $(TOOLS)/.security-stamp
PYTEST_ARGS ?=

.PHONY: demo test unit integration e2e browser serve lint validate schemas bench deploy clean help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml shared/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsdive needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# the pip a venv starts with can be old: 23.x fails to resolve the bench extra's duplicated lxml extras
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade 'pip>=24'
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# The peers the benchmarks compare with (trafilatura, readability-lxml, newspaper4k): never runtime dependencies.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

# aws-sam-cli pins versions that clash with the app's (boto3, pydantic): it lives in its own environment.
$(TOOLS_STAMP): $(SECURITY_STAMP)
	@test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check 'aws-sam-cli>=1.120'
	@touch $@

# checkov and bandit (the security checks of `make test`) get an environment of their own inside the tools one:
# their pins (boto3, packaging) clash with aws-sam-cli's.
$(SECURITY_STAMP):
	@test -x $(TOOLS)/security/bin/python || $(PYTHON) -m venv $(TOOLS)/security
	$(TOOLS)/security/bin/python -m pip install --quiet --disable-pip-version-check 'checkov>=3.2' 'bandit>=1.7'
	@touch $@

demo: $(STAMP) ## run the whole pipeline locally on the bundled sample web (output in ./out)
	$(VENV)/bin/newsdive demo --out out

test: $(STAMP) $(TOOLS_STAMP) browser ## run every test (unit, integration, end-to-end, template validation)
	$(PY) -m pytest $(PYTEST_ARGS)

unit: $(STAMP) ## unit tests only (fast, no sockets)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

integration: $(STAMP) $(TOOLS_STAMP) ## handlers and adapters against moto, template checks
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

# The viewer's browser test drives Debian's chromium (Playwright cannot download browsers here). Installed with
# apt when missing and possible (root); otherwise tests/e2e/test_viewer.py skips and says why.
browser: ## headless Chromium for the viewer test (apt-get install chromium when possible)
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: the viewer browser test will skip"; \
	  else echo "chromium is missing (apt-get install -y chromium as root): the viewer browser test will skip"; fi; }

e2e: $(STAMP) browser ## the whole local pipeline and the viewer in a browser
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check shared functions tests

validate: $(STAMP) $(TOOLS_STAMP) ## sam validate --lint and cfn-lint on infra/template.yaml
	$(TOOLS)/bin/sam validate --lint --template infra/template.yaml --region us-east-1
	$(VENV)/bin/cfn-lint infra/template.yaml

serve: $(STAMP) ## the reference viewer on ./out (after make demo): http://127.0.0.1:8000/
	$(VENV)/bin/newsdive serve --out out

schemas: $(STAMP) ## regenerate schemas/v1 from the models
	$(VENV)/bin/newsdive schemas

bench: $(BENCH_STAMP) ## install the benchmark peers and list the benchmarks (run one with: .venv/bin/newsdive bench NAME --dataset DIR)
	$(VENV)/bin/newsdive bench

deploy: $(TOOLS_STAMP) ## build and deploy to your AWS account (needs credentials; asks before changing anything)
	$(TOOLS)/bin/sam build --template infra/template.yaml
	$(TOOLS)/bin/sam deploy --guided --config-file infra/samconfig.toml

clean: ## remove environments and outputs
	rm -rf $(VENV) $(TOOLS) out .newsdive .aws-sam .pytest_cache
