# Chancery's developer targets. `make test` is the test command of the README
# and exactly what CI runs (.ci/run).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
# deps, lint and the tests must run in this order, even under make -j.
.NOTPARALLEL:

GO ?= go
TEST_TIMEOUT ?= 30m
FUZZTIME ?= 30s
GOLANGCI_LINT := bin/golangci-lint

.PHONY: test deps lint run fuzz bench-livekit

## test: install missing test dependencies, lint, then run every test with -race.
test: deps lint
	@echo '==> go test -race ./...'
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

## deps: install what the tests need and is missing (scripts/test-deps.sh).
deps:
	@echo '==> deps'
	@bash scripts/test-deps.sh

## lint: gofmt, go vet and golangci-lint (.golangci.yml: staticcheck, errcheck,
## errorlint, nilnil, noctx, bodyclose, sqlclosecheck, sloglint, forbidigo and
## the rest); fails on the first problem.
lint:
	@echo '==> gofmt -l .'
	@files=$$(gofmt -l .); \
	if [[ -n $$files ]]; then \
		echo 'gofmt: these files are not formatted; run gofmt -w on them:'; \
		sed 's/^/  /' <<<"$$files"; \
		exit 1; \
	fi
	@echo '==> go vet ./...'
	@$(GO) vet ./...
	@echo '==> golangci-lint run ./...'
	@if [[ ! -x $(GOLANGCI_LINT) ]]; then echo '$(GOLANGCI_LINT) is missing; run make deps'; exit 1; fi
	@$(GOLANGCI_LINT) run ./...

## run: start the server with demo data.
run:
	$(GO) run ./cmd/server -demo

## fuzz: run each Fuzz target for FUZZTIME (default 30s); not part of test.
fuzz:
	@FUZZTIME='$(FUZZTIME)' GO='$(GO)' bash scripts/fuzz.sh

## bench-livekit: Chancery's SFU against livekit-server v1.13.5 on the same
## loads (scripts/bench-vs-livekit.sh; its load tool is the bench/ module);
## not part of test.
bench-livekit:
	@bash scripts/bench-vs-livekit.sh
