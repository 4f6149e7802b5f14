# advent: SysAdvent articles as a site, and proof that their tutorials work.
#
#   make site          build the site and serve it on http://127.0.0.1:1313/
#   make test          everything CI runs: unit + integration tests, labs, lint
#   make lab LAB=helm  practise a tutorial hands-on in your terminal
#   make bench         benchmarks (site build vs plain Hugo, lint, runner, helm lab vs by hand)

SHELL := /bin/bash
GO ?= go
ADVENT := bin/advent
# Kubernetes versions the labs run on (air-gapped node images are built for these).
KUBERNETES ?= v1.35.4,v1.37.2
LAB ?= helm
ARTIFACTS ?= artifacts
# InSpec's release archives for the cincproject/auditor stand-in (see README);
# empty: advent reads $ADVENT_INSPEC_SRC, and without either skips that image.
INSPEC_SRC ?=

.PHONY: all site build serve test test-short unit check lint labs site-results images docker deps lab bench bench-labs clean FORCE

all: build

$(ADVENT): FORCE
	$(GO) build -o $(ADVENT) ./cmd/advent

## Site -----------------------------------------------------------------------

site: build serve

build: $(ADVENT)
	$(ADVENT) build

serve: $(ADVENT)
	$(ADVENT) serve

## Tests ----------------------------------------------------------------------

# The whole suite, as CI runs it: installs and starts what the tests need
# (Docker engine, chromium, the air-gapped image set), then runs every test,
# the labs checks, and the labs themselves on two Kubernetes versions.
test: deps images unit check labs site-results

# Fast loop while editing: no Docker, no browser.
test-short:
	$(GO) test -short ./...

# Two passes: the first builds every test binary in parallel and runs the
# unit tests; the second runs everything, Docker and browser tests included,
# one package at a time, because their leak checks compare snapshots of the
# whole Docker engine. Between them, fuzzing: -fuzzminimizetime bounds the
# minimizing of each new input (60 s by default, longer than -fuzztime, so
# the fuzzer would spend its time minimizing instead of executing).
unit: $(ADVENT)
	mkdir -p $(ARTIFACTS)
	@unformatted=$$(gofmt -l cmd internal); if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -short -count=1 -shuffle=on ./...
	$(GO) test -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime 20s -fuzzminimizetime 5s ./internal/lab
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 10s -fuzzminimizetime 5s ./internal/report
	ADVENT_ARTIFACTS=$(abspath $(ARTIFACTS)) $(GO) test -p 1 -count=1 -timeout 75m ./...

check: $(ADVENT)
	$(ADVENT) labs check
	$(ADVENT) lint

labs: $(ADVENT)
	mkdir -p $(ARTIFACTS)
	$(ADVENT) lab run -all -preboot=false -kubernetes $(KUBERNETES) -junit $(ARTIFACTS)/labs-junit.xml

# The site built with the results of the labs just run, and a test that its
# badges say what the results say.
site-results: $(ADVENT)
	$(GO) test -count=1 -run 'TestBadgesMatchRealResults|TestBrowserRealResults' -v ./internal/site -args -results=$(abspath results)
	$(ADVENT) build

# A first `make lab` builds only what practice needs: the image set for one
# Kubernetes version, LAB_KUBERNETES (the newest of KUBERNETES, which practice
# picks), not two; `make images` later adds the other version and reuses the
# rest (a few seconds when it is built). With ADVENT_MODE=online images come
# from their registries and nothing is built.
LAB_KUBERNETES ?= $(lastword $(subst $(comma), ,$(KUBERNETES)))
lab: $(ADVENT)
ifneq ($(ADVENT_MODE),online)
	$(ADVENT) images build -kubernetes $(LAB_KUBERNETES) $(if $(INSPEC_SRC),-inspec-src $(INSPEC_SRC))
	$(ADVENT) lab practice -kubernetes $(LAB_KUBERNETES) $(LAB)
else
	$(ADVENT) lab practice $(LAB)
endif

## Environment ----------------------------------------------------------------

# Docker engine (installed and started when missing), browser, axe-core (for
# the browser test) and tools the labs put to use.
deps:
	.ci/docker-up
	@command -v chromium >/dev/null && command -v tree >/dev/null && command -v curl >/dev/null && command -v tmux >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium tree curl tmux)
	@# axe-core, which the browser test injects into every page (contrast, WCAG AA).
	@test -f $(HOME)/.cache/advent/npm/node_modules/axe-core/axe.min.js || \
		{ command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm); \
		  npm install --prefix $(HOME)/.cache/advent/npm --no-audit --no-fund axe-core@4; }

docker:
	.ci/docker-up

# The air-gapped image set: Debian base, stand-ins, kind node images, tools.
images: $(ADVENT)
	$(ADVENT) images build -kubernetes $(KUBERNETES) $(if $(INSPEC_SRC),-inspec-src $(INSPEC_SRC))

## Benchmarks -----------------------------------------------------------------

# Go benchmarks (extraction + lint of 1,000 articles, runner overhead), then
# advent build against plain Hugo (same version, corpus and layouts) on the
# real content and on 1,000 generated articles: medians, ratio, peak memory.
bench: $(ADVENT)
	mkdir -p $(ARTIFACTS)
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./internal/lint/... ./internal/runner/... | tee $(ARTIFACTS)/bench.txt
	$(GO) run ./internal/site/bench -out $(ARTIFACTS)/bench-site
	$(MAKE) bench-labs

# The helm lab run by advent against the same steps typed as a plain bash
# script (internal/runner/labbench/testdata/helm-by-hand.sh), alternating,
# on the same node image; plus the first prompt of `advent lab practice`.
# Needs Docker, the image set (make images), tree and tmux.
comma := ,
LABBENCH_ROUNDS ?= 5
bench-labs: $(ADVENT)
	mkdir -p $(ARTIFACTS)
	$(GO) run ./internal/runner/labbench -rounds $(LABBENCH_ROUNDS) -advent $(ADVENT) -kubernetes $(LAB_KUBERNETES) -out $(ARTIFACTS)/bench-labs

clean:
	rm -rf bin public artifacts .advent
