# shellcheck shell=bash
# PROVISIONAL unit files for tests/systemd/in_container.sh, used only while `cmake --install`
# stages no units of its own (systemd/ in the source tree). Delete this file, and the lines
# in in_container.sh that source it, once the real units are installed.
#
# They follow the hardened units' contract closely enough to develop the test against:
# Type=simple instead of notify until the daemon sends READY=1 (scenario B's Type=notify
# check fails meanwhile, as it should), and the same namespaces and filters, so the
# container's privileges are tested with them.

# write_provisional_units DIR SBIN_PATH
write_provisional_units() {
    local dir=$1 bin=$2 hardening
    mkdir -p "$dir"
    hardening='DynamicUser=yes
CapabilityBoundingSet=
AmbientCapabilities=
NoNewPrivileges=yes
PrivateUsers=yes
ProtectSystem=strict
PrivateMounts=yes
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
ProcSubset=pid
PrivateIPC=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RemoveIPC=yes
UMask=0077
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM'
    cat >"$dir/hellod.service" <<UNIT
# PROVISIONAL (tests/systemd/in_container_provisional_units.sh)
[Unit]
Description=hellod greeting daemon (provisional test unit)

[Service]
Type=simple
ExecStart=$bin --config /etc/hellod/hellod.conf
ExecReload=/bin/kill -HUP \$MAINPID
TimeoutStopSec=15s
LimitNOFILE=16384
TasksMax=16384
$hardening
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX

[Install]
WantedBy=multi-user.target
UNIT
    cat >"$dir/hellod.socket" <<'UNIT'
# PROVISIONAL (tests/systemd/in_container_provisional_units.sh)
[Unit]
Description=hellod greeting daemon socket (provisional test unit)

[Socket]
ListenStream=9999
BindIPv6Only=both

[Install]
WantedBy=sockets.target
UNIT
    cat >"$dir/hellod@.service" <<UNIT
# PROVISIONAL (tests/systemd/in_container_provisional_units.sh)
[Unit]
Description=hellod session %i (provisional test unit)
CollectMode=inactive-or-failed

[Service]
Type=exec
ExecStart=$bin --inetd --config /etc/hellod/hellod.conf
StandardInput=socket
StandardOutput=socket
StandardError=journal
TimeoutStopSec=15s
TasksMax=8
LimitNOFILE=64
PrivateNetwork=yes
$hardening
RestrictAddressFamilies=AF_UNIX
UNIT
    cat >"$dir/hellod@.socket" <<'UNIT'
# PROVISIONAL (tests/systemd/in_container_provisional_units.sh)
[Unit]
Description=hellod per-connection socket on %i (provisional test unit)

[Socket]
ListenStream=%i
BindIPv6Only=both
Accept=yes
MaxConnections=256
MaxConnectionsPerSource=16
TriggerLimitIntervalSec=0
UNIT
}
