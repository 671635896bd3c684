# Cluster Academy — common tasks. Every target installs what it needs (uv, then the locked
# environment), so a fresh machine needs only Python 3.11+, Java 17 + Maven and Go.

UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: help bootstrap browser up servers down status test test-fast soak pytest lint format schemas bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

bootstrap:  ## install uv if missing, then the locked environment
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --frozen --quiet

browser:  ## Debian's Chromium for the page tests (Playwright drives it; its own download is not used) and the fonts the certificates embed
	@{ command -v chromium && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core; }

up: bootstrap  ## start the whole system: Kafka, FerretDB, the five services and the web pages on 8005 (Ctrl-C stops them)
	$(UV) run academy-local run

servers: bootstrap  ## start only Kafka and FerretDB (dev stack), idempotent
	$(UV) run academy-local up

down: bootstrap  ## stop Kafka and FerretDB (dev stack), idempotent
	$(UV) run academy-local down

status: bootstrap  ## are the dev servers running and answering?
	$(UV) run academy-local status

test: lint pytest  ## everything CI runs: lint, types, then all tests on the real servers

test-fast: bootstrap  ## the fast tier only: domain and handlers in memory, no servers (seconds)
	HYPOTHESIS_PROFILE=fast $(UV) run pytest -p no:schemathesis -m "not integration and not processes"

soak: bootstrap  ## kill -9 each service, the broker and the store during a stream: the table in .cache/kill9/table.md (SUBMISSIONS=300 PARALLEL=4 by default; an hour)
	UV="$(UV)" benchmarks/kill9.sh

PYTEST_WORKERS ?= 3
PAGE_TESTS = services/web/tests
ONE_AT_A_TIME = tests/test_fuzz.py $(PAGE_TESTS)

# Two runs: first every other test in $(PYTEST_WORKERS) parallel workers, each starting its own
# Kafka + FerretDB; then, one at a time, the fuzzing and the pages' tests.
# - Schemathesis gives every operation of a schema the same node id, and xdist's schedulers key
#   their work by node id: in a worker, only the first operation of each schema would run.
# - The page tests share one running system for their whole session (the five services and the
#   web front), whose consumers would also act on every later test's events. Listed last, they
#   start it after the fuzzing is over.
pytest: bootstrap browser  ## all tests: most in parallel workers, then the fuzzing and the pages' (each run starts its servers)
	@rc=0; \
	$(UV) run pytest -n $(PYTEST_WORKERS) --dist loadfile $(ONE_AT_A_TIME:%=--ignore=%) || rc=$$?; \
	$(UV) run pytest $(ONE_AT_A_TIME) || rc=$$?; \
	exit $$rc

lint: bootstrap  ## ruff (lint + format check) and mypy --strict; stale schemas fail the tests
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

format: bootstrap  ## apply ruff's fixes and formatting
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

schemas: bootstrap  ## export JSON Schema + AsyncAPI into contracts/schemas (refuses breaking changes)
	$(UV) run academy-contracts export

BENCH_APPLICATIONS ?= 500
BENCH_RATE ?= 10
BENCH_SECONDS ?= 60
BENCH_STEPS ?= 1000 5000 20000

bench: bootstrap  ## pipeline (burst, then steady rate) and scale steps on a stack of their own, then the selection solver
	$(UV) run python benchmarks/pipeline.py --applications $(BENCH_APPLICATIONS)
	$(UV) run python benchmarks/pipeline.py --rate $(BENCH_RATE) --seconds $(BENCH_SECONDS)
	$(UV) run python benchmarks/scale.py --steps $(BENCH_STEPS)
	$(UV) run python benchmarks/selection.py

clean: bootstrap  ## stop the servers and delete their data (keeps the cached builds)
	$(UV) run academy-local down --wipe
	$(UV) run academy-local down --stack test --wipe
