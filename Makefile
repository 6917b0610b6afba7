# The front door: `make run` and `make test` on a fresh Debian machine. Both install what is
# missing with apt-get (quietly, and only when something is missing), configure, build, go.

BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
TSAN_DIR  ?= build-tsan
JOBS      ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHELLOD_WERROR=ON

# What building and running hellod needs (make run), as Debian bookworm names it; libboost-dev
# is Boost.Beast, the metrics endpoint's HTTP.
RUN_DEPS := cmake g++ make pkg-config libboost-dev libboost-program-options-dev libboost-log-dev \
            libsystemd-dev
# And what the tests need besides (make test): GoogleTest; the clients; systemd, podman and
# debootstrap for the unit and container tests; prometheus (with promtool) and curl for the
# metrics tests; haproxy; python3-kubernetes (the API's schema) and catatonit (podman's pause
# image for pods) for the Kubernetes tests.
TEST_DEPS := libgtest-dev expect telnet socat netcat-openbsd procps netbase systemd groff-base \
             man-db podman runc debootstrap jq haproxy prometheus curl python3-kubernetes \
             catatonit
DEPS := $(RUN_DEPS) $(TEST_DEPS)

# make bench only: gnuplot for the chart (bookworm's gnuplot-nox has pngcairo), taskset to pin,
# python3 for the report; and what the reference servers' build.sh needs, when they are there.
BENCH_DEPS := gnuplot-nox util-linux python3 netcat-openbsd jq curl
PEERS_DEPS := golang-go libboost-dev
PEERS ?= ../shared/peers

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# $(call install_missing,PACKAGES): apt-get install those not installed (dpkg-query), if any.
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: all run run-deps test test-quick test-asan test-tsan deps configure build clean format \
        format-check bench bench-deps

all: build

run-deps:
	$(call install_missing,$(RUN_DEPS))

deps:
	$(call install_missing,$(DEPS))

# Configured with what make run installs; without GoogleTest the tests are left out.
$(BUILD_DIR)/CMakeCache.txt: | run-deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

# Configured again (seconds), so that a build dir make run made finds GoogleTest now.
configure: deps $(BUILD_DIR)/CMakeCache.txt
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Foreground, on 127.0.0.1:9999 (from config/hellod.conf); Ctrl-C stops it. As root it drops to
# nobody once bound: hellod refuses to serve as root without --user.
RUN_AS := $(shell [ "$$(id -u)" = 0 ] && echo --user nobody --group nogroup)
run: run-deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j$(JOBS) --target hellod
	exec ./$(BUILD_DIR)/hellod --config config/hellod.conf $(RUN_AS)

# Every test, as CI runs it (.ci/run): the suite in the normal build, then the whole suite again
# under ASan+UBSan and under TSan (tests/sanitizers/run.sh: any report from any process fails),
# then each fuzz target's corpus and FUZZ_SECONDS of fuzzing per target (make fuzz, below).
test: test-quick test-asan test-tsan fuzz

# The normal build's suite alone: the quick loop while working.
test-quick: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --no-tests=error --timeout 300 -j$(JOBS)

$(ASAN_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_DIR) $(CMAKE_FLAGS) -DHELLOD_SANITIZE=address

$(TSAN_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(TSAN_DIR) $(CMAKE_FLAGS) -DHELLOD_SANITIZE=thread

test-asan: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j$(JOBS)
	tests/sanitizers/run.sh $(ASAN_DIR) --timeout 600 -j$(JOBS)

test-tsan: deps $(TSAN_DIR)/CMakeCache.txt
	cmake --build $(TSAN_DIR) -j$(JOBS)
	tests/sanitizers/run.sh $(TSAN_DIR) --timeout 600 -j$(JOBS)

# hellod against the reference servers (when $(PEERS) exists) with hellod-bench; writes
# docs/benchmarks.md, .png and .jsonl. Knobs: see bench/run.sh (DUR, REPS, HOLD_N, SERVERS...).
bench-deps:
	$(call install_missing,$(BENCH_DEPS) $(if $(filter-out none,$(PEERS)),$(if $(wildcard $(PEERS)/build.sh),$(PEERS_DEPS))))

bench: build bench-deps
	PEERS=$(PEERS) bench/run.sh $(BUILD_DIR)

# make fuzz: every fuzz target (tests/fuzz/) built with clang and libFuzzer in $(FUZZ_BUILD_DIR),
# its committed corpus run once, then fuzzed for FUZZ_SECONDS each (make fuzz FUZZ_SECONDS=300).
# New inputs and crashes stay under $(FUZZ_BUILD_DIR)/tests/fuzz/runs/; the repository is not
# written. llvm-14 is there for llvm-symbolizer (readable stacks).
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 60
FUZZ_DEPS := clang libclang-rt-14-dev llvm-14

.PHONY: fuzz fuzz-deps
fuzz-deps:
	$(call install_missing,$(DEPS) $(FUZZ_DEPS))

fuzz: fuzz-deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHELLOD_WERROR=ON -DHELLOD_FUZZ=ON -DHELLOD_BUILD_BENCH=OFF -DFUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(FUZZ_BUILD_DIR) -j$(JOBS) --target fuzz_targets
	ctest --test-dir $(FUZZ_BUILD_DIR) --output-on-failure --no-tests=error -L fuzz -j$(JOBS)

format:
	clang-format -i daemon/*/*.cpp daemon/*/*.hpp tests/*/*.cpp tests/*/*.hpp tests/unit/*/*.cpp bench/*/*.cpp bench/*/*.hpp

format-check:
	clang-format --dry-run -Werror daemon/*/*.cpp daemon/*/*.hpp tests/*/*.cpp tests/*/*.hpp tests/unit/*/*.cpp bench/*/*.cpp bench/*/*.hpp

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR)
