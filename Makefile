# Entry points for people and CI. Each target installs what it needs first (idempotent).
#   make demo   install, build, and plan the bundled Katib GPU example
#   make test   install, build, start the test environment, run unit+integration+e2e tests
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: deps build demo test unit bench clean

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	$(BUILD_DIR)/src/gantry plan --pods examples/katib-gpu-experiment.yaml

unit: build
	ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

test: build
	scripts/test $(BUILD_DIR)

bench: build
	$(BUILD_DIR)/bench/solver_bench --benchmark_counters_tabular=true
	$(BUILD_DIR)/bench/disruption_bench --benchmark_counters_tabular=true

clean:
	rm -rf $(BUILD_DIR)
