#!/usr/bin/env bash
# keepalived-rs in two minutes: two routers share a virtual IP, the master
# crashes, the backup takes over, the master comes back and takes the
# address back (preemption).
#
#   sudo scripts/demo.sh
#
# Everything happens in private network namespaces on a private bridge
# (names start with "kademo"); the only addresses used are from
# 192.0.2.0/24, a range reserved for documentation. Everything the demo
# creates is removed when it ends, also on Ctrl-C or on an error.
#
# Environment: KEEPALIVED_RS=/path/to/keepalived-rs to use another binary.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${KEEPALIVED_RS:-$ROOT/target/release/keepalived-rs}
VIP=192.0.2.100
TAG=kademo$(($$ % 10000))          # unique per run; fits 15-byte link names
BR=${TAG}br
NODES=(node1 node2 client)         # namespace $TAG-<name>, eth0 = 192.0.2.(11|12|20)
declare -A ADDR=([node1]=192.0.2.11 [node2]=192.0.2.12 [client]=192.0.2.20)
declare -A PID=()                  # daemon pids we started, by node
declare -A MAC=()                  # eth0 MAC address of each node
PINGER=""                          # the client's background ping to the VIP
WORK=""

if [[ -t 1 ]]; then B=$'\033[1m' N=$'\033[0m'; else B="" N=""; fi
say()  { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
note() { printf '    %s\n' "$*"; }
ns()   { echo "$TAG-$1"; }

cleanup() {
    set +e
    trap - EXIT INT TERM
    [[ -n $PINGER ]] && kill "$PINGER" 2>/dev/null
    for n in "${!PID[@]}"; do
        kill -TERM "${PID[$n]}" 2>/dev/null
    done
    for n in "${!PID[@]}"; do    # at most ~3 s per daemon, then SIGKILL
        for _ in $(seq 60); do kill -0 "${PID[$n]}" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "${PID[$n]}" 2>/dev/null
    done
    for n in "${NODES[@]}"; do
        ip link del "${TAG}${n: -1}" 2>/dev/null
        ip netns del "$(ns "$n")" 2>/dev/null
    done
    ip link del "$BR" 2>/dev/null
    [[ -n $WORK ]] && rm -rf "$WORK"
    echo
    echo "Cleaned up: namespaces, links and daemons of this demo are gone."
}

preflight() {
    if [[ $EUID -ne 0 ]]; then
        echo "This demo creates network namespaces, so it needs root: sudo $0" >&2
        exit 1
    fi
    command -v ip >/dev/null || { echo "iproute2 ('ip') is required" >&2; exit 1; }
    if [[ ! -x $BIN ]]; then
        say "Building keepalived-rs (release) — first run only"
        local cargo
        cargo=$(command -v cargo || echo "${SUDO_USER:+$(getent passwd "$SUDO_USER" | cut -d: -f6)/.cargo/bin/cargo}")
        [[ -x $cargo ]] || { echo "cargo not found; run 'cargo build --release' first" >&2; exit 1; }
        if [[ -n ${SUDO_USER:-} ]]; then   # build as the user, not as root
            (cd "$ROOT" && sudo -u "$SUDO_USER" "$cargo" build --release -p keepalived-rs)
        else
            (cd "$ROOT" && "$cargo" build --release -p keepalived-rs)
        fi
    fi
}

# One "computer" per namespace, each with an eth0 plugged into the bridge.
build_network() {
    say "Creating three hosts (network namespaces) on a private switch (bridge)"
    ip link add "$BR" type bridge
    ip link set "$BR" type bridge forward_delay 0
    ip link set "$BR" up
    for n in "${NODES[@]}"; do
        local port=${TAG}${n: -1}   # node1 -> ...1, node2 -> ...2, client -> ...t
        ip netns add "$(ns "$n")"
        ip link add "$port" type veth peer name eth0 netns "$(ns "$n")"
        ip link set "$port" master "$BR" up
        ip -n "$(ns "$n")" link set lo up
        ip -n "$(ns "$n")" addr add "${ADDR[$n]}/24" dev eth0
        ip -n "$(ns "$n")" link set eth0 up
        MAC[$n]=$(ip netns exec "$(ns "$n")" cat /sys/class/net/eth0/address)
        note "$n: ${ADDR[$n]}, MAC ${MAC[$n]} (namespace $(ns "$n"))"
    done
}

# The client pings the VIP 5 times a second (at most 10 minutes), so its
# ARP table always says which node answers for the VIP.
start_client() {
    ip netns exec "$(ns client)" ping -q -i 0.2 -w 600 "$VIP" >/dev/null 2>&1 &
    PINGER=$!
    note "client: pinging $VIP; its ARP table shows which node answers"
}

start_node() {   # start_node node1
    local n=$1
    ip netns exec "$(ns "$n")" "$BIN" -n -l -D -f "$ROOT/examples/demo/$n.conf" \
        -p "$WORK/$n.pid" -r "$WORK/$n-vrrp.pid" >"$WORK/$n.log" 2>&1 &
    PID[$n]=$!
    note "$n: keepalived-rs started (pid ${PID[$n]}, config examples/demo/$n.conf)"
}

holders() {      # the nodes that have the VIP on eth0
    local out=() n
    for n in node1 node2; do
        ip -n "$(ns "$n")" -4 -o addr show dev eth0 | grep -q " $VIP/" && out+=("$n")
    done
    echo "${out[*]:-nobody}"
}

client_sees() {  # which node's MAC the client's ARP table has for the VIP
    local mac n
    mac=$(ip -n "$(ns client)" neigh show "$VIP" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
    for n in node1 node2; do
        [[ -n $mac && $mac == "${MAC[$n]}" ]] && { echo "$n"; return; }
    done
    echo "${mac:-nobody yet}"
}

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# Polls every 50 ms (for at most $2 seconds) and prints a timestamped line
# whenever who holds the VIP, or whom the client talks to, changes; stops
# when the client talks to node $1 and node $1 holds the VIP (alone, if $3
# is "alone").
watch_until() {
    local want=$1 secs=$2 alone=${3:-} start last="" h c i
    start=$(now_ms)
    for ((i = 0; i < secs * 20; i++)); do
        h=$(holders)
        c=$(client_sees)
        if [[ "$h|$c" != "$last" ]]; then
            printf '    %s  +%5d ms  VIP configured on: %-12s client talks to: %s\n' \
                "$(date +%T.%3N)" $(($(now_ms) - start)) "$h" "$c"
            last="$h|$c"
        fi
        if [[ $c == "$want" && ($h == "$want" || (-z $alone && " $h " == *" $want "*)) ]]; then
            return 0
        fi
        sleep 0.05
    done
    echo "    (gave up after ${secs} s; the daemons' last log lines follow)" >&2
    tail -n 5 "$WORK"/*.log >&2
    return 1
}

main() {
    preflight
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    WORK=$(mktemp -d /tmp/kademo.XXXXXX)
    build_network

    say "Starting keepalived-rs on node1 (priority 150) and node2 (priority 100)"
    start_node node1
    start_node node2
    start_client
    note "Both start as BACKUP; after ~3 s of silence the higher priority becomes MASTER."
    say "Waiting for the election (the VIP is $VIP)"
    watch_until node1 15 alone

    say "Crash: SIGKILL to node1's keepalived-rs (pid ${PID[node1]})"
    note "node1 stops advertising. node2 waits 3 adverts + skew (~3.6 s), then takes over"
    note "and sends gratuitous ARP so the client switches to it. (A killed daemon cannot"
    note "remove its address, so node1 still shows the VIP: the ARP move is what counts.)"
    kill -KILL "${PID[node1]}"
    wait "${PID[node1]}" 2>/dev/null || true
    unset 'PID[node1]'
    watch_until node2 15

    say "node1 comes back; with a higher priority it preempts node2"
    ip -n "$(ns node1)" addr del "$VIP/24" dev eth0 2>/dev/null || true
    note "(we removed the stale VIP the crash left on node1 first)"
    start_node node1
    note "It starts as BACKUP, hears node2's lower priority, and takes over after ~3.4 s."
    watch_until node1 15 alone

    say "Done: election, takeover after a crash, and preemption."
}

main "$@"
