# A thin layer over meson. `make test` and `make bench` work on a fresh Debian machine: each
# first installs what is missing (scripts/install-deps.sh, apt-get, needs root or sudo).

BUILD      ?= build
ASAN_BUILD ?= build-asan
ARM_BUILD  ?= build-aarch64
VG_BUILD   ?= build-valgrind
TSAN_BUILD ?= build-tsan
NOOMP_BUILD ?= build-noomp
FUZZ_SECONDS ?= 60
RESULTS    ?= bench-results
# Debian's interpreter, which sees python3-matplotlib (a python3 earlier on PATH may not).
PYTHON     ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
# Extra flags for the bench, e.g. BENCH_ARGS='--sattn_sweep=full' or '--benchmark_filter=attention'.
BENCH_ARGS ?=

# UBSan only prints by default; make every report fail its test. LeakSanitizer is on.
SANITIZER_ENV = UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
# memcheck: any error or definitely lost block fails the test (OpenMP's pool is "still reachable").
VALGRIND = valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --quiet
# ThreadSanitizer with LLVM's OpenMP runtime and its Archer tool, which tells TSan about OpenMP's
# barriers; reports from inside the uninstrumented runtime itself are ignored.
# Archer is looked up beside the clang in use (its LLVM's lib folder), else in any installed LLVM.
ARCHER ?= $(firstword $(wildcard $(dir $(realpath $(shell command -v clang)))../lib/libarcher.so) \
                      $(lastword $(sort $(wildcard /usr/lib/llvm-*/lib/libarcher.so))))
TSAN_ENV = OMP_TOOL_LIBRARIES=$(ARCHER) TSAN_OPTIONS="halt_on_error=1 ignore_noninstrumented_modules=1"

.PHONY: all deps deps-aarch64 build test test-x86 test-asan test-aarch64 test-valgrind test-tsan test-noomp fuzz check-packaging check-python bench clean

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

$(VG_BUILD)/build.ninja:
	meson setup $(VG_BUILD) --buildtype=debugoptimized

$(TSAN_BUILD)/build.ninja:
	CC=clang CXX=clang++ meson setup $(TSAN_BUILD) --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false -Dbench=disabled

# Without OpenMP: the library's threads are its built-in pthread pool (or the caller's).
$(NOOMP_BUILD)/build.ninja:
	meson setup $(NOOMP_BUILD) --buildtype=release -Dopenmp=disabled -Dbench=disabled

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Every test: native (each ISA this CPU has), a build without OpenMP, AddressSanitizer + UBSan, aarch64
# under qemu, valgrind memcheck, ThreadSanitizer (+ Archer for OpenMP), the packaging checks, the Python
# binding and the real-model check (scripts/check-python.sh; one line says it was skipped when PyPI cannot
# be reached) and FUZZ_SECONDS of fuzzing.
test: deps-aarch64 $(BUILD)/build.ninja $(NOOMP_BUILD)/build.ninja $(ASAN_BUILD)/build.ninja $(ARM_BUILD)/build.ninja $(VG_BUILD)/build.ninja $(TSAN_BUILD)/build.ninja
	ninja -C $(BUILD) && ninja -C $(NOOMP_BUILD) && ninja -C $(ASAN_BUILD) && ninja -C $(ARM_BUILD) && ninja -C $(VG_BUILD) && ninja -C $(TSAN_BUILD)
	status=0; \
	meson test -C $(BUILD) --print-errorlogs || status=1; \
	meson test -C $(NOOMP_BUILD) --print-errorlogs || status=1; \
	$(SANITIZER_ENV) meson test -C $(ASAN_BUILD) --print-errorlogs || status=1; \
	meson test -C $(ARM_BUILD) --print-errorlogs || status=1; \
	meson test -C $(VG_BUILD) --print-errorlogs --no-suite bench --no-suite mpi --timeout-multiplier 10 --wrapper '$(VALGRIND)' || status=1; \
	$(TSAN_ENV) meson test -C $(TSAN_BUILD) --print-errorlogs --timeout-multiplier 10 || status=1; \
	packaging=0; scripts/check-packaging.sh $(BUILD) || { packaging=1; status=1; }; \
	python=0; scripts/check-python.sh $(BUILD) || { python=1; status=1; }; \
	fuzz=0; scripts/fuzz.sh $(FUZZ_SECONDS) || { fuzz=1; status=1; }; \
	scripts/test-summary.sh --step packaging=$$packaging --step python=$$python --step fuzz=$$fuzz \
	    $(BUILD) $(NOOMP_BUILD) $(ASAN_BUILD) $(ARM_BUILD) $(VG_BUILD) $(TSAN_BUILD) && exit $$status

test-valgrind: deps $(VG_BUILD)/build.ninja
	ninja -C $(VG_BUILD) && meson test -C $(VG_BUILD) --print-errorlogs --no-suite bench --no-suite mpi --timeout-multiplier 10 --wrapper '$(VALGRIND)'

test-tsan: deps $(TSAN_BUILD)/build.ninja
	ninja -C $(TSAN_BUILD) && $(TSAN_ENV) meson test -C $(TSAN_BUILD) --print-errorlogs --timeout-multiplier 10

fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

check-packaging: build
	scripts/check-packaging.sh $(BUILD)

# The Python binding's tests and the real-model check (examples/minilm against onnxruntime); needs PyPI.
check-python: build
	scripts/check-python.sh $(BUILD)

test-x86: build
	meson test -C $(BUILD) --print-errorlogs

test-noomp: deps $(NOOMP_BUILD)/build.ninja
	ninja -C $(NOOMP_BUILD) && meson test -C $(NOOMP_BUILD) --print-errorlogs

test-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) && $(SANITIZER_ENV) meson test -C $(ASAN_BUILD) --print-errorlogs

test-aarch64: deps-aarch64 $(ARM_BUILD)/build.ninja
	ninja -C $(ARM_BUILD) && meson test -C $(ARM_BUILD) --print-errorlogs

# The benchmark: the default sweep (about 5 minutes on 2 cores), the scaling sweep, the
# long-sequence memory check, onnxruntime on the default sweep's attention and decode shapes and
# MiniLM end to end (bench/onnxruntime_bench.py, a few minutes; skipped with a line when PyPI cannot
# be reached), then the report: raw JSON, report.md and PNG plots in $(RESULTS)/.
bench: build
	mkdir -p $(RESULTS)
	rm -f $(RESULTS)/onnxruntime.json
	$(BUILD)/bench/sattn_bench --benchmark_out=$(RESULTS)/raw.json --benchmark_out_format=json $(BENCH_ARGS)
	$(BUILD)/bench/sattn_bench --sattn_sweep=scaling --benchmark_out=$(RESULTS)/scaling.json --benchmark_out_format=json
	$(BUILD)/bench/sattn_bench --sattn_sweep=varlen --benchmark_out=$(RESULTS)/varlen.json --benchmark_out_format=json
	$(BUILD)/bench/sattn_memory 16384 | tee $(RESULTS)/memory.txt
	if py=$$(scripts/python-env.sh $(BUILD)); then \
	    SATTN_LIBRARY=$(CURDIR)/$(BUILD)/libsattn.so $$py bench/onnxruntime_bench.py $(RESULTS)/raw.json \
	        --minilm $(BUILD)/examples/minilm/minilm --out $(RESULTS)/onnxruntime.json; \
	else echo "onnxruntime bench skipped: its Python packages could not be installed from PyPI"; fi
	$(PYTHON) bench/report.py $(RESULTS)/raw.json $(RESULTS)/scaling.json $(RESULTS)/varlen.json \
	    $$(test -f $(RESULTS)/onnxruntime.json && echo $(RESULTS)/onnxruntime.json) --out $(RESULTS)

clean:
	rm -rf $(BUILD) $(NOOMP_BUILD) $(ASAN_BUILD) $(ARM_BUILD) $(VG_BUILD) $(TSAN_BUILD) build-fuzz
