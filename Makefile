# The front door: build, test and benchmark the shop.
#   make              build everything (build/)
#   make test         install what the tests need, build, run every test
#   make test SANITIZE=1   the same with ASan + UBSan (build-asan/)
#   make bench        the benchmark suite against a fresh shop (see bench/README.md);
#                     BENCH=catalogue|cart|web|agreement for one microbenchmark
#   make run          the whole shop on this machine (REPLICAS=2 for two of each)
#   make stop | status | logs [SERVICE=cart]

SANITIZE ?= 0
REPLICAS ?=
ifeq ($(SANITIZE),1)
BUILD_DIR := build-asan
CMAKE_FLAGS := -DSANITIZE=ON
else
BUILD_DIR := build
CMAKE_FLAGS :=
endif

.PHONY: all build deps test unit api bench run stop status logs clean

all: build

deps:
	@scripts/install-deps

build:
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) >/dev/null
	@ninja -C $(BUILD_DIR) --quiet

test: deps
	@$(MAKE) --no-print-directory build
	@BUILD_DIR=$(BUILD_DIR) tests/run

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory build
ifeq ($(BENCH),)
	@BUILD_DIR=$(BUILD_DIR) node bench/suite.mjs
else ifeq ($(BENCH),flood)
	@BUILD_DIR=$(BUILD_DIR) BENCH_CASE=flood node bench/suite.mjs
else
	@BUILD_DIR=$(BUILD_DIR) bench/run $(BENCH)
endif

run:
	@BUILD_DIR=$(BUILD_DIR) REPLICAS=$(REPLICAS) scripts/stack run

stop status logs:
	@SERVICE=$(SERVICE) scripts/stack $@

clean:
	rm -rf build build-asan
