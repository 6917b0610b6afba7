# The front door: `make run` and `make test` on a fresh Debian machine. Both install what is
# missing with apt-get (quietly, and only when something is missing), configure, build, go.

BUILD_DIR ?= build
JOBS      ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHELLOD_WERROR=ON

# Build and test dependencies, as Debian bookworm names them.
DEPS := cmake g++ make pkg-config libboost-program-options-dev libboost-log-dev \
        libgtest-dev libsystemd-dev expect telnet socat netcat-openbsd procps netbase \
        systemd groff-base man-db podman runc debootstrap jq

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all run test deps configure build clean format format-check

all: build

deps:
	@missing=""; \
	for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Foreground, on 127.0.0.1:9999 (from config/hellod.conf); Ctrl-C stops it.
run: build
	exec ./$(BUILD_DIR)/hellod --config config/hellod.conf

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 300 -j$(JOBS)

format:
	clang-format -i daemon/*.cpp daemon/*.hpp daemon/*/*.cpp daemon/*/*.hpp tests/*/*.cpp tests/*/*.hpp

format-check:
	clang-format --dry-run -Werror daemon/*.cpp daemon/*.hpp daemon/*/*.cpp daemon/*/*.hpp tests/*/*.cpp tests/*/*.hpp

clean:
	rm -rf $(BUILD_DIR)
