# The front door: build, test and benchmark the shop.
#   make              build everything (build/)
#   make test         install what the tests need, build, run every test
#   make test SANITIZE=1   the same with ASan + UBSan (build-asan/)
#   make test SANITIZE=thread   the same with ThreadSanitizer (build-tsan/)
#   make bench        the benchmark suite against a fresh shop (see bench/README.md);
#                     BENCH=catalogue|cart|web|tracing|agreement for one microbenchmark,
#                     BENCH=peak or BENCH=flood for one stage of the suite
#   make deploy-check render, schema-check and policy-test deploy/kubernetes and
#                     the Helm chart deploy/helm/robot-shop, compare the two,
#                     then the container smoke run
#   make helm-template print the chart rendered (VALUES=file for other values)
#   make images       one podman image per service and one for rs-load, and their sizes
#   make deploy-smoke the dev overlay's workloads as pods under podman, and a shopper's journey
#   make run          the whole shop on this machine (REPLICAS=2 for two of each)
#   make chaos        the chaos experiments against a shop of their own, with
#                     verdicts (chaos/run.mjs); CHAOS=name for one, QUICK=1 shorter
#   make stop | status | logs [SERVICE=cart]

SANITIZE ?= 0
REPLICAS ?=
ifeq ($(SANITIZE),1)
BUILD_DIR := build-asan
CMAKE_FLAGS := -DSANITIZE=address
else ifeq ($(SANITIZE),thread)
BUILD_DIR := build-tsan
CMAKE_FLAGS := -DSANITIZE=thread
else
BUILD_DIR := build
CMAKE_FLAGS :=
endif

.PHONY: all build deps test deploy-check helm-template images deploy-smoke unit api bench chaos run stop status logs clean

all: build

deps:
	@scripts/install-deps

# compile_commands.json at the root, for editors and clangd (git-ignored).
build:
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) >/dev/null
	@ninja -C $(BUILD_DIR) --quiet
	@test -e compile_commands.json || ln -sf $(BUILD_DIR)/compile_commands.json compile_commands.json

# The tests include the container smoke run: podman too.
test:
	@scripts/install-deps images
	@$(MAKE) --no-print-directory build
	@BUILD_DIR=$(BUILD_DIR) tests/run

# Rendering, schemas and policies, then the container smoke run.
deploy-check:
	@scripts/install-deps images
	@$(MAKE) --no-print-directory build SANITIZE=0
	@tests/run deploy

# The chart's offline renderer, from Debian's Go packages only (GOPATH mode).
HELM_TEMPLATE := build/tools/helm-template
$(HELM_TEMPLATE): $(wildcard tools/helm-template/*.go)
	@mkdir -p $(@D)
	@cd tools/helm-template && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
	  GOCACHE=$(CURDIR)/build/go-cache go build -o $(CURDIR)/$@ .

helm-template: $(HELM_TEMPLATE)
	@node tests/deploy/helm-template.mjs $(VALUES)

images:
	@scripts/install-deps images
	@$(MAKE) --no-print-directory build SANITIZE=0
	@scripts/images

deploy-smoke:
	@scripts/install-deps images
	@$(MAKE) --no-print-directory build SANITIZE=0
	@tests/run smoke

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory build
ifeq ($(BENCH),)
	@BUILD_DIR=$(BUILD_DIR) node bench/suite.mjs
else ifeq ($(BENCH),flood)
	@BUILD_DIR=$(BUILD_DIR) BENCH_CASE=flood node bench/suite.mjs
else ifeq ($(BENCH),peak)
	@BUILD_DIR=$(BUILD_DIR) BENCH_CASE=peak node bench/suite.mjs
else
	@BUILD_DIR=$(BUILD_DIR) bench/run $(BENCH)
endif

chaos:
	@scripts/install-deps
	@$(MAKE) --no-print-directory build
	@BUILD_DIR=$(BUILD_DIR) CHAOS=$(CHAOS) CHAOS_QUICK=$(QUICK) node chaos/run.mjs

run:
	@BUILD_DIR=$(BUILD_DIR) REPLICAS=$(REPLICAS) scripts/stack run

stop status logs:
	@SERVICE=$(SERVICE) scripts/stack $@

clean:
	rm -rf build build-asan build-tsan
