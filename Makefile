# vmp - Vipps MobilePay in-store payments for point-of-sale software.
# `make demo` runs the C till on the embedded simulator; `make test` runs every test.

SHELL      := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO         ?= go
CC         ?= gcc
BUILD      := build
LIB        := $(BUILD)/libvmp.so
DIST       := dist
CFLAGS     ?= -O2 -g
CWARN      := -std=c99 -Wall -Wextra -Werror -pedantic
CLINK      := -I include -L $(BUILD) -lvmp -Wl,-rpath,'$$ORIGIN'
GO_SOURCES := $(shell find capi core scanner internal -name '*.go' -not -name '*_test.go' 2>/dev/null) $(wildcard capi/*.c capi/*.h) include/vmp.h go.mod go.sum

.PHONY: all generate lib demo demo-scanner demo-club test test-go test-c test-bindings test-python test-csharp test-hosts host-stress bench deps help clean dist test-dist test-windows sim soak fuzz property

all: lib

help:
	@echo "make demo    build libvmp.so and run examples/c/till.c on the embedded Vipps simulator"
	@echo "make demo-scanner  the till with a barcode scanner (examples/c/scan_till.c): a scanned QR pays"
	@echo "make demo-club     the till with a customer club (examples/c/club_till.c): scan, identify, check in, enroll, pay"
	@echo "make test    install what the tests need (Debian packages) and run every test"
	@echo "make test-bindings  the Python and C# bindings' tests, stress runs and examples (part of make test)"
	@echo "make bench   measure and print the published figures (also written to $(BUILD)/bench.json)"
	@echo "make soak    10 000 payment lifecycles through the C ABI with random faults and a scanner stream (tests/soak; make test runs a short one), after make host-stress"
	@echo "make host-stress   vmp inside hosts that stop, signal and fork its threads (Mono's GC, a CoreCLR-like host, fork; CPython fork and exit, C# exit): 20 runs of each (tests/hosts, scripts/host-stress-bindings.sh; make test runs 3)"
	@echo "make property  the property test of money safety: PROPERTY_SEQUENCES (2000) random till sequences and the kill at every journal commit (tests/property; make test runs a short one)"
	@echo "make fuzz    every fuzz target for FUZZTIME (15s) each, then the sweep's random C calls under ASan for SWEEP_SECONDS (60)"
	@echo "make lib     build $(LIB)"
	@echo "make generate  the Go, Python and C# enum tables and the version copies, from include/vmp.h's lists"
	@echo "make dist    vmp.dll for Windows x64 and x86, libvmp.so for Linux x64, and their archives, in $(DIST)/"
	@echo "make sim     run the standalone Vipps simulator (cmd/vmp-sim) on 127.0.0.1:8080; SIM_FLAGS=... for more"
	@echo "make clean   remove $(BUILD)/"

lib: $(LIB)

# The tables copied from include/vmp.h's X-macro lists and its version - Go (internal/abi, core,
# capi), Python, C# and the package files - made again from the header (internal/cmd/vmpgen).
# make test fails while one of them is not what the header makes.
generate:
	$(GO) run ./internal/cmd/vmpgen

# Exports exactly the functions of vmp.h (scripts/build-lib.sh says how).
$(LIB): $(GO_SOURCES) scripts/build-lib.sh scripts/from-header.sh
	./scripts/build-lib.sh linux-x64 $@

$(BUILD)/till: examples/c/till.c include/vmp.h $(LIB)
	$(CC) $(CWARN) $(CFLAGS) -o $@ $< $(CLINK)

demo: $(BUILD)/till
	./$(BUILD)/till

$(BUILD)/scan_till: examples/c/scan_till.c include/vmp.h $(LIB)
	$(CC) $(CWARN) $(CFLAGS) -pthread -o $@ $< $(CLINK)

# A pseudo-terminal plays the USB scanner; the customer's personal QR arrives through it.
demo-scanner: $(BUILD)/scan_till
	./$(BUILD)/scan_till

# The customer club: scan, identify, loyalty check-in, enrollment by consent, pay, capture.
$(BUILD)/club_till: examples/c/club_till.c include/vmp.h $(LIB)
	$(CC) $(CWARN) $(CFLAGS) -o $@ $< $(CLINK)

demo-club: $(BUILD)/club_till
	./$(BUILD)/club_till

deps:
	@./scripts/install-deps.sh

test: deps test-go test-c test-bindings test-hosts test-dist test-windows
	@echo "all test suites passed"

test-go:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

test-c: $(LIB)
	./tests/c/run.sh --race

# The bindings against the real library: unit tests, a 16-thread stress run that must exit by
# itself, the examples, and `pip install` from the repository into a fresh venv (offline).
PYTHON ?= python3
test-bindings: test-python test-csharp

test-python: $(LIB)
	set -o pipefail; cd bindings/python/tests && timeout 600 $(PYTHON) -m unittest discover -v -s . 2>&1 | tail -n 45
	timeout 120 $(PYTHON) examples/python/till.py
	rm -rf $(BUILD)/pyvenv && $(PYTHON) -m venv $(BUILD)/pyvenv
	@start=$$(date +%s%N); $(BUILD)/pyvenv/bin/pip install -q --no-index bindings/python && \
	  echo "pip install --no-index bindings/python: $$(( ($$(date +%s%N) - start) / 1000000 )) ms"
	cd / && timeout 120 $(CURDIR)/$(BUILD)/pyvenv/bin/python -m vmp

test-csharp: $(LIB)
	bindings/csharp/build.sh
	set -o pipefail; cd $(BUILD)/csharp && timeout 600 mono VmpTests.exe $(CURDIR) | grep -v '^ok '
	cd $(BUILD)/csharp && timeout 300 mono VmpTests.exe $(CURDIR) stress 5
	cd $(BUILD)/csharp && timeout 120 mono Till.exe

# Host runtimes that stop, signal and fork their threads (tests/hosts/run.sh, issue 21), and the
# bindings' scenarios - fork and exit in CPython, exit in C# (scripts/host-stress-bindings.sh):
# each scenario HOST_STRESS_RUNS times, HOST_STRESS_SECONDS of work each; make test runs 3 of 2 s.
HOST_STRESS_RUNS    ?= 20
HOST_STRESS_SECONDS ?= 5
host-stress: $(LIB)
	./tests/hosts/run.sh $(HOST_STRESS_RUNS) $(HOST_STRESS_SECONDS)
	./scripts/host-stress-bindings.sh $(HOST_STRESS_RUNS) $(HOST_STRESS_SECONDS)

test-hosts: $(LIB)
	./tests/hosts/run.sh 3 2
	./scripts/host-stress-bindings.sh 3 2

# The release packages, then their checks: exports, import libraries, SONAME, pkg-config, and
# the C tests under wine against both DLLs (VMP_SKIP_WINE=1 skips wine, loudly).
dist:
	./scripts/dist.sh $(DIST)

test-dist: dist
	./tests/dist/run.sh $(DIST)

test-windows: dist
	./tests/windows/run.sh $(DIST)

sim:
	$(GO) run ./cmd/vmp-sim $(SIM_FLAGS)

bench: $(LIB)
	$(GO) run ./cmd/vmp-bench -json $(BUILD)/bench.json

# The full soak (tests/soak): bounded by a count and a time limit; the summary is also written
# to $(BUILD)/soak.json. make test runs the short version through go test.
SOAK_LIFECYCLES ?= 10000
SOAK_TIME       ?= 20m
soak: host-stress
	@mkdir -p $(BUILD)
	$(GO) test -count=1 -v -timeout 40m -run '^TestSoak$$' ./tests/soak -args -soak.lifecycles=$(SOAK_LIFECYCLES) \
	  -soak.time=$(SOAK_TIME) -soak.require-all -soak.report=$(CURDIR)/$(BUILD)/soak.json

# The property test (tests/property): PROPERTY_SEQUENCES random till sequences, bounded by
# PROPERTY_TIME, PROPERTY_WORKERS at once, and the kill at every journal commit of every
# money-moving call. make test runs a short one through go test. A failing sequence prints its
# seed: go test ./tests/property -run TestProperty -v -seed=N replays it with its log.
PROPERTY_SEQUENCES ?= 2000
PROPERTY_TIME      ?= 90m
PROPERTY_WORKERS   ?= 2
property:
	$(GO) test -count=1 -v -timeout 4h -run '^(TestProperty|TestKillAtEveryJournalCommit)$$' ./tests/property \
	  -sequences=$(PROPERTY_SEQUENCES) -duration=$(PROPERTY_TIME) -workers=$(PROPERTY_WORKERS) -maxfail=20 -kill-search-all

# Bounded: FUZZTIME per Go fuzz target, SWEEP_SECONDS for the random calls (scripts/fuzz.sh).
fuzz:
	./scripts/fuzz.sh

clean:
	rm -rf $(BUILD) $(DIST)
