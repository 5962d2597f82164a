#!/usr/bin/env bash
# keepalived-rs as a load balancer in a minute: a client, a director and
# three web servers. The director holds the virtual IP with VRRP and
# balances it over the servers (nftables data plane: works on kernels
# without IPVS); one server dies, its traffic moves to the others within
# the health checker's bound, it comes back and gets traffic again.
#
#   sudo scripts/demo-lb.sh
#
# Everything happens in private network namespaces (names start with
# "kalb"); the only addresses used are from 203.0.113.0/24 and
# 198.51.100.0/24, ranges reserved for documentation. Everything the demo
# creates is removed when it ends, also on Ctrl-C or on an error.
#
# Needs: iproute2, nftables, curl, python3 (the web servers).
# Environment: KEEPALIVED_RS=/path/to/keepalived-rs to use another binary.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${KEEPALIVED_RS:-$ROOT/target/release/keepalived-rs}
VIP=203.0.113.100
TAG=kalb$(($$ % 10000))
BR=${TAG}br
declare -A SRV=()                  # web server pids we started, by number
DIRECTOR=""                        # keepalived-rs pid
WORK=""

if [[ -t 1 ]]; then B=$'\033[1m' N=$'\033[0m'; else B="" N=""; fi
say()  { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
note() { printf '    %s\n' "$*"; }
ns()   { echo "$TAG-$1"; }

cleanup() {
    set +e
    trap - EXIT INT TERM
    for i in "${!SRV[@]}"; do kill "${SRV[$i]}" 2>/dev/null; done
    if [[ -n $DIRECTOR ]]; then
        kill -TERM "$DIRECTOR" 2>/dev/null
        for _ in $(seq 60); do kill -0 "$DIRECTOR" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$DIRECTOR" 2>/dev/null
    fi
    for n in client director rs1 rs2 rs3; do ip netns del "$(ns "$n")" 2>/dev/null; done
    ip link del "$BR" 2>/dev/null
    [[ -n $WORK ]] && rm -rf "$WORK"
    echo
    echo "Cleaned up: namespaces, links and processes of this demo are gone."
}

preflight() {
    [[ $EUID -eq 0 ]] || { echo "This demo creates network namespaces, so it needs root: sudo $0" >&2; exit 1; }
    for t in ip nft curl python3; do
        command -v "$t" >/dev/null || { echo "'$t' is required" >&2; exit 1; }
    done
    [[ -x $BIN ]] || { echo "build keepalived-rs first: cargo build --release" >&2; exit 1; }
}

build_network() {
    say "Creating a client, a director and three web servers (network namespaces)"
    for n in client director rs1 rs2 rs3; do
        ip netns add "$(ns "$n")"
        ip -n "$(ns "$n")" link set lo up
    done
    local c d
    c=$(ns client) d=$(ns director)
    ip link add cl netns "$d" type veth peer name eth0 netns "$c"
    ip -n "$c" addr add 203.0.113.2/24 dev eth0
    ip -n "$c" link set eth0 up
    ip -n "$c" route add default via 203.0.113.1
    ip -n "$d" addr add 203.0.113.1/24 dev cl
    ip -n "$d" link set cl up
    ip link add "$BR" type bridge forward_delay 0
    ip link set "$BR" up
    ip link add "${TAG}d" type veth peer name sv netns "$d"
    ip link set "${TAG}d" master "$BR" up
    ip -n "$d" addr add 198.51.100.1/24 dev sv
    ip -n "$d" link set sv up
    ip netns exec "$d" sysctl -qw net.ipv4.ip_forward=1
    for i in 1 2 3; do
        local s
        s=$(ns "rs$i")
        ip link add "${TAG}s$i" type veth peer name eth0 netns "$s"
        ip link set "${TAG}s$i" master "$BR" up
        ip -n "$s" addr add "198.51.100.1$i/24" dev eth0
        ip -n "$s" link set eth0 up
        ip -n "$s" route add default via 198.51.100.1
    done
    note "client 203.0.113.2 --- director 203.0.113.1 | 198.51.100.1 --- rs1..rs3 198.51.100.11-13"
}

start_server() {   # start_server 2: a web server answering "rs2", ready when this returns
    local i=$1
    mkdir -p "$WORK/www$i"
    echo "rs$i" >"$WORK/www$i/index.html"
    ip netns exec "$(ns "rs$i")" python3 -m http.server 8080 --bind "198.51.100.1$i" \
        --directory "$WORK/www$i" >/dev/null 2>&1 &
    SRV[$i]=$!
    for _ in $(seq 100); do
        ip netns exec "$(ns director)" curl -s -m 1 "http://198.51.100.1$i:8080/" >/dev/null && return
        sleep 0.1
    done
    echo "web server rs$i did not start" >&2
    exit 1
}

write_config() {
    cat >"$WORK/keepalived.conf" <<CONF
vrrp_instance VI_1 {
    state MASTER
    interface cl
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        $VIP/24
    }
}
virtual_server $VIP 80 {
    delay_loop 1
    lvs_sched rr
    lvs_method NAT
    protocol TCP
    real_server 198.51.100.11 8080 { TCP_CHECK { connect_timeout 1 retry 1 delay_before_retry 1 } }
    real_server 198.51.100.12 8080 {
        HTTP_GET { url { path / status_code 200 } connect_timeout 1 retry 1 delay_before_retry 1 }
    }
    real_server 198.51.100.13 8080 { TCP_CHECK { connect_timeout 1 retry 1 delay_before_retry 1 } }
}
CONF
}

request() {        # one request through the VIP: the server's name, or "FAILED"
    ip netns exec "$(ns client)" curl -s -m 1 "http://$VIP/" 2>/dev/null || echo FAILED
}

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# $1 requests, one every 100 ms, each printed with the time since $2 (ms).
requests() {
    local n=$1 t0=$2 i
    for ((i = 0; i < n; i++)); do
        printf '    +%5d ms  %s\n' $(($(now_ms) - t0)) "$(request)"
        sleep 0.1
    done
}

main() {
    preflight
    WORK=$(mktemp -d /tmp/kalb.XXXXXX)
    trap cleanup EXIT INT TERM
    build_network
    for i in 1 2 3; do start_server "$i"; done
    write_config
    say "Starting keepalived-rs on the director (VRRP + checkers, --lvs-backend nftables)"
    ip netns exec "$(ns director)" "$BIN" -n -l -f "$WORK/keepalived.conf" -p "$WORK/ka.pid" \
        -r "$WORK/vrrp.pid" -c "$WORK/checkers.pid" --lvs-backend nftables >"$WORK/director.log" 2>&1 &
    DIRECTOR=$!
    for _ in $(seq 100); do
        ip -n "$(ns director)" -4 -o addr show dev cl | grep -q " $VIP/" && break
        sleep 0.1
    done
    note "the director holds $VIP"
    say "Requests through $VIP are spread over the three servers (round robin)"
    requests 6 "$(now_ms)"
    say "rs2 dies"
    kill "${SRV[2]}"
    local t0
    t0=$(now_ms)
    requests 20 "$t0"
    note "bound: delay_loop 1 + retry 1 x (delay_before_retry 1 + connect_timeout 1) = 3 s"
    grep -E "HTTP|Removing service" "$WORK/director.log" | sed 's/^/    log: /' || true
    say "rs2 is back"
    start_server 2
    t0=$(now_ms)
    requests 12 "$t0"
    grep -E "Adding service" "$WORK/director.log" | tail -1 | sed 's/^/    log: /' || true
    say "The table keepalived-rs programmed (nft list table inet keepalived_rs_lb), abridged"
    ip netns exec "$(ns director)" nft list table inet keepalived_rs_lb | grep -E "dnat|198\.51" | head -6 | sed 's/^/    /'
}

main "$@"
