# A thin layer over meson. `make test` and `make bench` work on a fresh Debian machine: each
# first installs what is missing (scripts/install-deps.sh, apt-get, needs root or sudo).

BUILD      ?= build
ASAN_BUILD ?= build-asan
ARM_BUILD  ?= build-aarch64
RESULTS    ?= bench-results
# Debian's interpreter, which sees python3-matplotlib (a python3 earlier on PATH may not).
PYTHON     ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
# Extra flags for the bench, e.g. BENCH_ARGS='--sattn_sweep=full' or '--benchmark_filter=attention'.
BENCH_ARGS ?=

# UBSan only prints by default; make every report fail its test. LeakSanitizer is on.
SANITIZER_ENV = UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1

.PHONY: all deps deps-aarch64 build test test-x86 test-asan test-aarch64 check-packaging bench clean

all: build

deps:
	scripts/install-deps.sh

deps-aarch64:
	scripts/install-deps.sh aarch64

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false

$(ARM_BUILD)/build.ninja:
	meson setup $(ARM_BUILD) --buildtype=release --cross-file cross/aarch64-linux-gnu.ini

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Every test, three ways: native (each ISA this CPU has), AddressSanitizer + UBSan, and aarch64 under
# qemu; then the packaging checks (installed copy via pkg-config, meson subproject, vendored build).
test: deps-aarch64 $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja $(ARM_BUILD)/build.ninja
	ninja -C $(BUILD) && ninja -C $(ASAN_BUILD) && ninja -C $(ARM_BUILD)
	status=0; \
	meson test -C $(BUILD) --print-errorlogs || status=1; \
	$(SANITIZER_ENV) meson test -C $(ASAN_BUILD) --print-errorlogs || status=1; \
	meson test -C $(ARM_BUILD) --print-errorlogs || status=1; \
	packaging=0; scripts/check-packaging.sh $(BUILD) || { packaging=1; status=1; }; \
	scripts/test-summary.sh --step packaging=$$packaging $(BUILD) $(ASAN_BUILD) $(ARM_BUILD) && exit $$status

check-packaging: build
	scripts/check-packaging.sh $(BUILD)

test-x86: build
	meson test -C $(BUILD) --print-errorlogs

test-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) && $(SANITIZER_ENV) meson test -C $(ASAN_BUILD) --print-errorlogs

test-aarch64: deps-aarch64 $(ARM_BUILD)/build.ninja
	ninja -C $(ARM_BUILD) && meson test -C $(ARM_BUILD) --print-errorlogs

# The benchmark: the default sweep (about 5 minutes on 2 cores), then the report: raw JSON,
# report.md and PNG plots in $(RESULTS)/.
bench: build
	mkdir -p $(RESULTS)
	$(BUILD)/bench/sattn_bench --benchmark_out=$(RESULTS)/raw.json --benchmark_out_format=json $(BENCH_ARGS)
	$(PYTHON) bench/report.py $(RESULTS)/raw.json --out $(RESULTS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(ARM_BUILD)
