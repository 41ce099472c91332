# Entry points for people and CI. Each target installs what it needs first (idempotent).
#   make demo   install, build the gantry binary only (in $(DEMO_BUILD_DIR)), and simulate the bundled
#               Katib random search (examples/simulate/) with an HTML report
#   make test   install, build everything, start the test environment, run unit+integration+e2e tests
#   make bench-karpenter  Gantry and Karpenter's own scheduler side by side (bench/karpenter/)
BUILD_DIR ?= build
# The demo's own build: optimised like BUILD_DIR's but without debug information, which costs
# about a third of the compile time, and with no tests or benchmarks to configure.
DEMO_BUILD_DIR ?= build-demo
JOBS ?= $(shell nproc)

.PHONY: deps configure build demo test unit bench bench-karpenter clean

deps:
	scripts/install-deps

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Every target: libraries, the binary, tests, benchmarks.
build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only what the demo runs: the gantry binary (not the tests and benchmarks).
demo: deps
	cmake -S . -B $(DEMO_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DGANTRY_BUILD_TESTS=OFF -DGANTRY_BUILD_BENCH=OFF
	cmake --build $(DEMO_BUILD_DIR) -j $(JOBS) --target gantry
	$(DEMO_BUILD_DIR)/src/gantry simulate --trace examples/simulate/katib-random-search.yaml \
	  --compare --report $(DEMO_BUILD_DIR)/katib-report.html
	@echo "report: $(DEMO_BUILD_DIR)/katib-report.html (open it in a browser)"

unit: build
	ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

test: build
	scripts/test $(BUILD_DIR)

bench: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target solver_bench disruption_bench simulate_bench consolidation_bench
	$(BUILD_DIR)/bench/solver_bench --benchmark_counters_tabular=true
	$(BUILD_DIR)/bench/disruption_bench --benchmark_counters_tabular=true
	$(BUILD_DIR)/bench/simulate_bench --benchmark_counters_tabular=true
	$(BUILD_DIR)/bench/consolidation_bench --benchmark_counters_tabular=true

# Both tools on the same pods, instance types and prices; prints the table of
# bench/karpenter/README.md. Needs the machine's Go (bench/karpenter/go.mod names the version);
# the Karpenter modules come from the Go module proxy on the first run.
bench-karpenter: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target gantry
	cd bench/karpenter && go build -o $(abspath $(BUILD_DIR))/bench-karpenter/karpenter-bench .
	$(BUILD_DIR)/bench-karpenter/karpenter-bench --gantry $(BUILD_DIR)/src/gantry \
	  --data cloudprovider/catalog/data --inputs bench/karpenter/inputs --work $(BUILD_DIR)/bench-karpenter

clean:
	rm -rf $(BUILD_DIR) $(DEMO_BUILD_DIR)
