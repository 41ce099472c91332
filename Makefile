# Entry points for people and CI. Each target installs what it needs first (idempotent).
#   make demo   install, build the gantry binary only, and plan the bundled Katib GPU example
#   make test   install, build everything, start the test environment, run unit+integration+e2e tests
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: deps configure build demo test unit bench clean

deps:
	scripts/install-deps

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Every target: libraries, the binary, tests, benchmarks.
build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only what the demo runs: the gantry binary (not the tests and benchmarks).
demo: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target gantry
	$(BUILD_DIR)/src/gantry plan --pods examples/katib-gpu-experiment.yaml

unit: build
	ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

test: build
	scripts/test $(BUILD_DIR)

bench: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target solver_bench
	$(BUILD_DIR)/bench/solver_bench --benchmark_counters_tabular=true

clean:
	rm -rf $(BUILD_DIR)
