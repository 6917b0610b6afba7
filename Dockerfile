# hellod in a container: built on Debian bookworm, run on bookworm-slim as a non-root user.
#
#   docker build -t hellod .
#   docker run -d --name hellod -p 9999:9999 hellod
#   nc localhost 9999
#
# Settings: HELLOD_* variables (-e HELLOD_WELCOME=Hi), arguments after the image name
# (docker run hellod --welcome Hi), or a config file mounted over /etc/hellod/hellod.conf.
# Logs go to stderr (docker logs); -e HELLOD_LOG_FORMAT=json for log shippers. docs/deployment.md,
# "Running it in a container", has the rest.

ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE} AS build

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        cmake g++ make pkg-config libboost-dev libboost-program-options-dev libboost-log-dev libsystemd-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY CMakeLists.txt LICENSE ./
COPY daemon/ daemon/
COPY config/ config/
COPY systemd/ systemd/
COPY docs/hellod.8 docs/

# The optimisation the tests run (RelWithDebInfo), stripped on install. Boost is linked
# statically: shared Boost.Log would bring a dozen libraries and ICU (~40 MB) into the image,
# while the static binary needs only libstdc++ and libsystemd, which the slim image has already
# (apt itself uses them).
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
        -DHELLOD_BUILD_TESTS=OFF -DHELLOD_BUILD_BENCH=OFF -DBoost_USE_STATIC_LIBS=ON \
    && cmake --build build -j"$(nproc)" \
    && DESTDIR=/stage cmake --install build --strip

# The shipped config, listening on every interface: in a container the network namespace and
# the published ports are the boundary, and 127.0.0.1 would be unreachable from outside. The
# build fails if config/hellod.conf no longer has the lines this edits.
RUN sed -e 's/^listen = 127\.0\.0\.1:9999$/listen = *:9999/' \
        -e 's/This file keeps the daemon on loopback\./This image listens on every interface./' \
        config/hellod.conf >/stage/hellod.conf \
    && grep -qx 'listen = \*:9999' /stage/hellod.conf \
    && grep -q 'This image listens on every interface\.' /stage/hellod.conf

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim

# VERSION follows project(... VERSION) in CMakeLists.txt (the container test checks they agree);
# REVISION and SOURCE are for a release pipeline to fill in (--build-arg REVISION=$(git rev-parse HEAD)
# --build-arg SOURCE=$(git remote get-url origin)); SOURCE has no made-up default: the label is
# empty unless it is given.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="hellod" \
      org.opencontainers.image.description="Thread-per-connection TCP greeting and echo daemon: a welcome, a reply per line, a farewell on exit" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT"

# A fixed uid and gid, so that Kubernetes' runAsNonRoot can check them and mounted files can be
# made readable for them. --no-log-init: no lastlog/faillog entries, which for a high uid are
# sparse files that layers store in full.
RUN groupadd --gid 10001 hellod \
    && useradd --uid 10001 --gid hellod --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --no-log-init hellod

COPY --from=build /stage/usr/sbin/hellod /usr/sbin/hellod
COPY --from=build /stage/hellod.conf /etc/hellod/hellod.conf
COPY LICENSE /usr/share/doc/hellod/copyright

# The config is read from here; mount a file over it to replace it. HELLOD_* variables and
# arguments win over the file, so a one-off change needs no file at all.
ENV HELLOD_CONFIG=/etc/hellod/hellod.conf
USER 10001:10001
# 9999/udp: the UDP echo service (udp-echo = true) takes the listen port for datagrams too.
EXPOSE 9999/tcp 9999/udp
# hellod is PID 1 (exec-form ENTRYPOINT, no shell), so SIGTERM reaches it: open sessions get the
# shutdown line and it exits 0, within shutdown-timeout (5 s) of docker stop.
STOPSIGNAL SIGTERM
# The probe reads the same settings as the daemon, so it follows HELLOD_LISTEN, HELLOD_WELCOME
# and a mounted config without being told (but not arguments given to the daemon: those it
# cannot see). Its own deadline (5 s) is below --timeout, so a failure is logged with its
# reason rather than as a kill.
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD ["/usr/sbin/hellod", "--probe"]
ENTRYPOINT ["/usr/sbin/hellod"]
CMD []
