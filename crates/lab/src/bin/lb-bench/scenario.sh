# lb-bench's scenario (sh), run inside a UML guest (IPVS) or on the host
# (nftables). Environment: W (results folder), LB (the lb-bench binary),
# KA (keepalived-rs), BACKEND (ipvs|nftables), P (namespace prefix, unique
# per run), RUNS, SECS, THREADS, UML (1 inside a guest).
# Namespaces: ${P}c client 198.51.100.2 (through the VIP), ${P}c2 client
# 198.51.100.130 (straight to a real server: a client port reused after a
# VIP connection would meet that connection's IPVS entry, which rewrites
# the answer); ${P}d director 198.51.100.1/.129, VIP 203.0.113.10 on its lo; ${P}r1 192.0.2.2 and ${P}r2 192.0.2.18, real
# servers routed back through the director. Results: $W/results.txt lines
# `RUN vip|vip1|direct RPS FAILED` and `RUN removal MS POLLS`.
set -u
R="$W/results.txt"
: > "$R"
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    for n in c c2 d r1 r2; do ip netns del "${P}$n" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
if [ "${UML:-0}" = 1 ]; then
    ka_modprobe ip_vs ip_vs_rr veth || exit 90
fi
for n in c c2 d r1 r2; do ip netns add "${P}$n" || exit 91; done
inn() { n=$1; shift; ip netns exec "${P}$n" "$@"; }
link() { # link NS-A IF-A NS-B IF-B
    ip link add "$2" type veth peer name "$4" || exit 92
    ip link set "$2" netns "${P}$1" && ip link set "$4" netns "${P}$3" || exit 92
    inn "$1" ip link set "$2" up && inn "$3" ip link set "$4" up || exit 92
}
link c "${P}cd" d "${P}dc"
link c2 "${P}c2d" d "${P}dc2"
link r1 "${P}r1d" d "${P}d1"
link r2 "${P}r2d" d "${P}d2"
for n in c c2 d r1 r2; do inn $n ip link set lo up; done
inn c ip addr add 198.51.100.2/25 dev "${P}cd"
inn c ip route add default via 198.51.100.1
inn c2 ip addr add 198.51.100.130/25 dev "${P}c2d"
inn c2 ip route add default via 198.51.100.129
# The clients close first: their TIME_WAIT ports are reused.
for n in c c2; do
    inn $n sysctl -qw net.ipv4.tcp_tw_reuse=1
    inn $n sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
done
inn d ip addr add 198.51.100.1/25 dev "${P}dc"
inn d ip addr add 198.51.100.129/25 dev "${P}dc2"
inn d ip addr add 192.0.2.1/28 dev "${P}d1"
inn d ip addr add 192.0.2.17/28 dev "${P}d2"
inn d ip addr add 203.0.113.10/32 dev lo
inn d sysctl -qw net.ipv4.ip_forward=1
inn r1 ip addr add 192.0.2.2/28 dev "${P}r1d"
inn r1 ip route add default via 192.0.2.1
inn r2 ip addr add 192.0.2.18/28 dev "${P}r2d"
inn r2 ip route add default via 192.0.2.17

serve() { # serve NS ADDR: sets SPID (ip netns exec execs the server)
    ip netns exec "${P}$1" "$LB" serve "$2" </dev/null >/dev/null 2>>"$W/serve.log" &
    SPID=$!
    PIDS="$PIDS $SPID"
}
serve r1 192.0.2.2:8080; S1=$SPID
serve r2 192.0.2.18:8080

cat > "$W/ka.conf" <<CONF
virtual_server 203.0.113.10 80 {
    delay_loop 1
    lvs_sched rr
    lvs_method NAT
    protocol TCP
    real_server 192.0.2.2 8080 { TCP_CHECK { connect_timeout 1 retry 0 } }
    real_server 192.0.2.18 8080 { TCP_CHECK { connect_timeout 1 retry 0 } }
}
virtual_server 203.0.113.10 81 {
    delay_loop 1
    lvs_sched rr
    lvs_method NAT
    protocol TCP
    real_server 192.0.2.2 8080 { TCP_CHECK { connect_timeout 1 retry 0 } }
}
CONF
ip netns exec "${P}d" "$KA" -n -l -D -f "$W/ka.conf" -p "$W/ka.pid" -r "$W/vrrp.pid" \
    -c "$W/chk.pid" --lvs-backend "$BACKEND" </dev/null >"$W/ka.log" 2>&1 &
K=$!
PIDS="$PIDS $K"
inn d "$LB" wait-present "$BACKEND" 192.0.2.2:8080 30 || { echo "start: not in the table" >> "$R"; exit 93; }
inn d "$LB" wait-present "$BACKEND" 192.0.2.18:8080 30 || { echo "start: not in the table" >> "$R"; exit 93; }

i=1
while [ $i -le "$RUNS" ]; do
    echo "$i vip $(inn c "$LB" client 203.0.113.10:80 "$SECS" "$THREADS")" >> "$R"
    echo "$i vip1 $(inn c "$LB" client 203.0.113.10:81 "$SECS" "$THREADS")" >> "$R"
    echo "$i direct $(inn c2 "$LB" client 192.0.2.2:8080 "$SECS" "$THREADS")" >> "$R"
    echo "$i removal $(inn d "$LB" watch-kill "$S1" "$BACKEND" 192.0.2.2:8080 30)" >> "$R"
    serve r1 192.0.2.2:8080; S1=$SPID
    inn d "$LB" wait-present "$BACKEND" 192.0.2.2:8080 30 || { echo "$i: not back" >> "$R"; exit 94; }
    i=$((i + 1))
done
kill -TERM $K
j=0
while kill -0 $K 2>/dev/null && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
exit 0
