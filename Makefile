# geostream: make demo | make test | make bench
SHELL   := /bin/bash
GO      ?= go
# Every build and test uses Go 1.27.3, which the go command fetches from the
# module proxy the first time (about 76 MB): Go 1.26.8's standard library has
# vulnerabilities that our binaries reach (net/http, crypto/tls, crypto/x509),
# fixed in 1.26.9 and 1.26.10. The modules still say go 1.26.8, so a plain
# `go build` with an older toolchain works too. Override with GOTOOLCHAIN=local.
GOTOOLCHAIN ?= go1.27.3
export GOTOOLCHAIN
MODULES := shared scraper analyzer
PKGS    := ./shared/... ./scraper/... ./analyzer/...
BIN     := bin
FUZZTIME ?= 30s

# Lint tools, pinned; `make tools` installs them with go install into
# $(GOBIN) (.ci/run does so on every run; it is quick once built). lint
# installs them itself where they are missing.
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0
GOIMPORTS_VERSION   := v0.53.0
GOBIN       ?= $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
GOVULNCHECK := $(GOBIN)/govulncheck
GOIMPORTS   := $(GOBIN)/goimports
# LOCAL is the module path: its packages' imports form their own group,
# after the standard library's and other modules'.
LOCAL       := github.com/geostream/geostream

# govulncheck's database. Its public host is out of reach here, so it is
# built from the golang.org/x/vulndb module on the Go module proxy (its
# data/osv holds every report as OSV JSON; its cmd/indexdb writes the
# database layout govulncheck reads with -db file://). Bump the version,
# a pseudo-version (go list -m golang.org/x/vulndb@latest), for newer
# reports; each version is built once into VULNDB.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB         ?= $(HOME)/.cache/geostream/vulndb-$(VULNDB_VERSION)
# VULN_STDLIB=warn only warns about vulnerabilities of the Go toolchain
# itself (fixed by a newer Go, not by this code); by default they fail, as
# there are none in the toolchain above.
VULN_STDLIB    ?= fail

.PHONY: all build test vet fmt fmt-check imports-check bench soak demo fuzz clean lint tools tidy-check staticcheck vulncheck golden

all: build

build:
	$(GO) build -o $(BIN)/scraper ./scraper/cmd/scraper
	$(GO) build -o $(BIN)/analyzer ./analyzer/cmd/analyzer

fmt: $(GOIMPORTS)
	gofmt -w shared scraper analyzer .ci
	$(GOIMPORTS) -local $(LOCAL) -w shared scraper analyzer .ci

fmt-check:
	@out=$$(gofmt -l shared scraper analyzer .ci); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# imports-check: every file groups its imports as goimports -local does:
# the standard library, other modules, then this module's packages.
imports-check: $(GOIMPORTS)
	@out=$$($(GOIMPORTS) -local $(LOCAL) -l shared scraper analyzer .ci); if [ -n "$$out" ]; then echo "imports to group (make fmt):"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	GOWORK=off $(GO) vet .ci/vulncheck.go

# lint: formatting, import groups, vet, tidy go.mod files, staticcheck
# (its default checks: see staticcheck.conf) and govulncheck on every
# module.
lint: fmt-check imports-check vet tidy-check staticcheck vulncheck

# tools rebuilds the lint tools with this toolchain: tools built by an
# older Go cannot read a newer standard library.
tools:
	$(MAKE) --always-make $(STATICCHECK) $(GOVULNCHECK) $(GOIMPORTS)

tidy-check:
	@for m in $(MODULES); do \
	  (cd $$m && $(GO) mod tidy -diff) || { echo "go.mod or go.sum of $$m is not tidy: run go mod tidy there"; exit 1; }; \
	done

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOVULNCHECK):
	$(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(GOIMPORTS):
	$(GO) install golang.org/x/tools/cmd/goimports@$(GOIMPORTS_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) $(PKGS)

vulncheck: $(GOVULNCHECK) $(VULNDB)/index/db.json
	@set -o pipefail; for m in $(MODULES); do \
	  $(GOVULNCHECK) -C $$m -db file://$(VULNDB) -format json ./... || exit 1; \
	done | GOWORK=off $(GO) run .ci/vulncheck.go -stdlib=$(VULN_STDLIB)

$(VULNDB)/index/db.json:
	@src=$$(GOWORK=off GOFLAGS= $(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	  test -d "$$src/data/osv" || { echo "cannot download golang.org/x/vulndb@$(VULNDB_VERSION)"; exit 1; }; \
	  echo "building the vulnerability database from $$src/data/osv"; \
	  rm -rf $(VULNDB).tmp && mkdir -p $(dir $(VULNDB)) && \
	  GOWORK=off GOFLAGS= $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out $(VULNDB).tmp && \
	  rm -rf $(VULNDB) && mv $(VULNDB).tmp $(VULNDB)

# test runs every package with the race detector but render, a pure drawing
# package with no goroutines, whose map-layout tests draw some hundred maps
# and take minutes under -race. The end-to-end tests build the binaries
# without it (GEOSTREAM_E2E_RACE=1 builds them with it); every package those
# binaries are made of is tested with it here.
NORACE := ./analyzer/internal/render/...
test: lint
	$(GO) test -race -count=1 -timeout 15m $$($(GO) list $(PKGS) | grep -v '/analyzer/internal/render$$')
	$(GO) test -count=1 -timeout 15m $(NORACE)

# bench runs the Go benchmarks, then a soak of SOAK_MINUTES (default 5).
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s -timeout 30m $(PKGS)
	GEOSTREAM_LONG_TESTS=1 $(GO) test -count=1 -run 'TestLong' -v ./analyzer/internal/output/
	./scripts/soak.sh

soak: build
	./scripts/soak.sh

# fuzz runs every fuzz target for FUZZTIME each. New inputs are not
# minimized: on a decoder of checkpoints, whose seeds are tens of KB,
# minimizing took most of the time (a tenth of the inputs tried).
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg; \
	  done; done

# golden rewrites the renderer's golden images from the current code; look
# at them before committing.
golden:
	$(GO) test -count=1 -run TestGolden ./analyzer/internal/render/ -update

# demo builds both binaries, serves a synthetic stream and clusters it into
# maps in out/ (out/latest.png is the newest); it stops by itself.
demo: build
	./scripts/demo.sh

clean:
	rm -rf $(BIN) out
