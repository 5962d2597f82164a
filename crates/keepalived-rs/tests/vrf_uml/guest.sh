# VMACs on an interface enslaved to a VRF (tests/vrf_uml.rs), inside a
# UML guest (the host kernel has no vrf module). Environment: KA_UML_WORK
# (host work folder: keepalived.conf, results), KA_DAEMON (keepalived or
# keepalived-rs). kad0, a veth, is a slave of VRF `blue` (table 10); the
# daemon alone is master of a `use_vmac` instance on it and of a
# `use_ipvlan` one on kad1, another slave of `blue`. Each line of $W/seq.log records what the kernel shows once both
# VIPs are up: which master each virtual interface has and where the
# VIPs' routes are; then whether SIGTERM removed both interfaces.
W=$KA_UML_WORK
ka_modprobe veth macvlan ipvlan vrf || exit 90
ip link add blue type vrf table 10 && ip link set blue up || exit 91
ip link add kad0 type veth peer name kap0 || exit 92
ip link set kad0 master blue || exit 93
ip link set kad0 up && ip link set kap0 up || exit 94
ip addr add 192.0.2.1/24 dev kad0 || exit 95
# The ipvlan needs a parent of its own (a macvlan's parent cannot take
# one: EBUSY).
ip link add kad1 type veth peer name kap1 || exit 96
ip link set kad1 master blue || exit 97
ip link set kad1 up && ip link set kap1 up || exit 98
ip addr add 198.51.100.1/24 dev kad1 || exit 99

log() { echo "$1" >> "$W/seq.log"; }
vips_up() {
    ip -o -4 addr show | grep -q ' 192\.0\.2\.100/' &&
        ip -o -4 addr show | grep -q ' 198\.51\.100\.100/'
}
master_of() {
    m=$(ip -o link show dev "$1" 2>/dev/null | grep -o 'master [^ ]*')
    echo "$1: ${m:-no master}"
}
# The VIP's local route: in table 10 when its interface is in the VRF.
route_of() {
    if ip route show table local | grep -q "local $1 "; then
        echo "$1: main local table"
    elif ip route show table 10 | grep -q "local $1 "; then
        echo "$1: VRF table 10"
    else
        echo "$1: no local route"
    fi
}
gone() { ! ip link show dev vrrp.63 >/dev/null 2>&1 && ! ip link show dev ipv0 >/dev/null 2>&1; }

"$KA_DAEMON" -n -l -D -f "$W/keepalived.conf" >"$W/daemon.log" 2>&1 &
K=$!
if ka_wait_for 300 vips_up; then log "both VIPs up"; else log "VIPs missing"; fi
sleep 1
log "$(master_of vrrp.63)"
log "$(master_of ipv0)"
log "$(route_of 192.0.2.100)"
log "$(route_of 198.51.100.100)"
ip -d link show dev vrrp.63 > "$W/vmac.txt" 2>&1
ip -d link show dev ipv0 > "$W/ipvlan.txt" 2>&1

ka_stop $K
if ka_wait_for 150 gone; then log "stopped: both gone"; else log "left behind"; fi
exit 0
