# newsdive: every target installs what it needs. Quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
TOOLS  := .venv-tools
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
TOOLS_STAMP := $(TOOLS)/.installed-stamp
SECURITY_STAMP := $(TOOLS)/.security-stamp
PYTEST_ARGS ?=

.PHONY: demo test unit integration e2e browser serve lint typecheck validate schemas bench build lock deploy clean help

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

# uv, next to it: the layer's lock and install (shared/Makefile), and a Python 3.12 when the machine has none.
UV_STAMP := $(TOOLS)/.uv-stamp
$(UV_STAMP): $(TOOLS_STAMP)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check 'uv>=0.5'
	@touch $@

UV := $(abspath $(TOOLS))/bin/uv
# The Lambda runtime's platform, for the lock and the layer's wheels.
LAYER_PLATFORM ?= aarch64-manylinux2014
# Shell prefix of the recipes that need a Python 3.12 (the runtime's version): scripts/python312.sh finds or
# installs one and says what is missing; sam build finds it on the PATH.
WITH_PY312 = py312="$$(UV=$(UV) scripts/python312.sh)" || exit 1; echo "Python 3.12: $$py312"; \
	export PATH="$$(dirname "$$py312"):$$PATH" PYTHON312="$$py312" UV=$(UV) SAM_CLI_TELEMETRY=0;

# checkov and bandit (the security checks of `make test`) get an environment of their own inside the tools one:
# their pins (boto3, packaging) clash with aws-sam-cli's.
$(SECURITY_STAMP):
	@test -x $(TOOLS)/security/bin/python || $(PYTHON) -m venv $(TOOLS)/security
	$(TOOLS)/security/bin/python -m pip install --quiet --disable-pip-version-check 'checkov>=3.2' 'bandit>=1.7'
	@touch $@

demo: $(STAMP) ## run the whole pipeline locally on the bundled sample web (output in ./out)
	$(VENV)/bin/newsdive demo --out out

test: $(STAMP) $(TOOLS_STAMP) $(UV_STAMP) browser lint typecheck ## lint, typecheck, then every test (unit, integration, end-to-end, template validation)
	$(PY) -m pytest $(PYTEST_ARGS)

unit: $(STAMP) ## unit tests only (fast, no sockets)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

integration: $(STAMP) $(TOOLS_STAMP) $(UV_STAMP) ## handlers and adapters against moto, template checks
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
	$(VENV)/bin/ruff check shared tools functions tests scripts

# functions/ is left out: its five handler.py modules share one name (mypy needs a run each), and they are thin.
typecheck: $(STAMP) ## mypy over the package, the tools and each handler
	$(VENV)/bin/mypy shared/newsdive tools/newsdive_tools
	@# every handler is a module named handler: one run each, the layer's package on the path as on Lambda
	@for f in functions/*/handler.py; do MYPYPATH=shared $(VENV)/bin/mypy --no-error-summary $$f || exit 1; done
	@echo "handlers: no issues found in $$(ls functions/*/handler.py | wc -l) handlers"

validate: $(STAMP) $(TOOLS_STAMP) ## sam validate --lint and cfn-lint on infra/template.yaml
	$(TOOLS)/bin/sam validate --lint --template infra/template.yaml --region us-east-1
	$(VENV)/bin/cfn-lint infra/template.yaml

serve: $(STAMP) ## the reference viewer on ./out (after make demo): http://127.0.0.1:8000/
	$(VENV)/bin/newsdive serve --out out

schemas: $(STAMP) ## regenerate schemas/v1 from the models
	$(VENV)/bin/newsdive schemas

bench: $(BENCH_STAMP) ## install the benchmark peers and list the benchmarks (run one with: .venv/bin/newsdive bench NAME --dataset DIR)
	$(VENV)/bin/newsdive bench

lock: $(UV_STAMP) ## pin the layer's dependencies: shared/requirements.txt -> shared/requirements.lock (hashes)
	$(UV) pip compile shared/requirements.txt --quiet --generate-hashes --python-version 3.12 \
	  --python-platform $(LAYER_PLATFORM) --no-emit-package requests --custom-compile-command 'make lock' \
	  -o shared/requirements.lock
	@# the X-Ray SDK for TRACER=on builds, at the versions the main lock pins, without a second botocore
	echo 'aws-xray-sdk>=2.14' > .tracer-requirements.in
	$(UV) pip compile .tracer-requirements.in --quiet --generate-hashes --python-version 3.12 \
	  --python-platform $(LAYER_PLATFORM) --constraint shared/requirements.lock --no-emit-package botocore \
	  --no-emit-package jmespath --no-emit-package python-dateutil --no-emit-package six \
	  --no-emit-package urllib3 --custom-compile-command 'make lock' -o shared/requirements-tracer.lock
	rm -f .tracer-requirements.in

# TRACER=on adds the X-Ray SDK to the layer (for NEWSDIVE_TRACER=on); off by default: ~0.5 s of every cold start.
build: $(UV_STAMP) ## sam build: the functions and the layer (pinned, trimmed, precompiled) in .aws-sam/build
	@$(WITH_PY312) export TRACER=$(or $(TRACER),off) LAYER_PLATFORM=$(LAYER_PLATFORM); \
	  $(TOOLS)/bin/sam build --template infra/template.yaml --build-dir .aws-sam/build

# SOURCES=FILE: the sources file to upload after the deploy (checked before anything is deployed); ALARM_EMAIL
# and CONTACT fill the stack parameters AlarmEmail and UserAgentContact (sam asks for the others).
deploy: $(STAMP) build ## build, deploy to your AWS account (asks before changing anything), upload SOURCES=FILE
	@test -z "$(SOURCES)" || $(PY) scripts/deploy_sources.py check "$(SOURCES)"
	@test -n "$(ALARM_EMAIL)" || echo "WARNING: ALARM_EMAIL is empty: unless you answer AlarmEmail when sam asks," \
	  "the stack's alarms notify no one (make deploy ALARM_EMAIL=you@example.org)"
	@test -n "$(SOURCES)" || echo "WARNING: no SOURCES=FILE: every tick fails until a sources file is uploaded" \
	  "(infra/sources.example.json lists real outlets: make deploy SOURCES=infra/sources.example.json)"
	@$(WITH_PY312) $(TOOLS)/bin/sam deploy --guided --config-file infra/samconfig.toml \
	  --template-file .aws-sam/build/template.yaml \
	  $(if $(ALARM_EMAIL)$(CONTACT),--parameter-overrides $(if $(ALARM_EMAIL),AlarmEmail=$(ALARM_EMAIL)) $(if $(CONTACT),UserAgentContact=$(CONTACT)))
	@test -z "$(SOURCES)" || $(PY) scripts/deploy_sources.py upload "$(SOURCES)" --stack "$(or $(STACK),newsdive-dev)"

clean: ## remove environments and outputs
	rm -rf $(VENV) $(TOOLS) out .newsdive .aws-sam .pytest_cache
