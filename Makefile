# geostream: make demo | make test | make bench
GO      ?= go
PKGS    := ./shared/... ./scraper/... ./analyzer/...
BIN     := bin
FUZZTIME ?= 30s

.PHONY: all build test vet fmt fmt-check bench soak demo fuzz clean lint golden

all: build

build:
	$(GO) build -o $(BIN)/scraper ./scraper/cmd/scraper
	$(GO) build -o $(BIN)/analyzer ./analyzer/cmd/analyzer

fmt:
	gofmt -w shared scraper analyzer

fmt-check:
	@out=$$(gofmt -l shared scraper analyzer); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

lint: fmt-check vet

test: fmt-check vet
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

# bench runs the Go benchmarks, then a soak of SOAK_MINUTES (default 5).
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s -timeout 30m $(PKGS)
	GEOSTREAM_LONG_TESTS=1 $(GO) test -count=1 -run 'TestLong' -v ./analyzer/internal/output/
	./scripts/soak.sh

soak: build
	./scripts/soak.sh

# fuzz runs every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
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
