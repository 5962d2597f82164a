# use_ipvlan side by side (tests/ipvlan_uml.rs), inside a UML guest (the
# host kernel has no ipvlan). Environment: KA_UML_WORK (host work folder:
# keepalived.conf, peer.conf, results), KA_DAEMON (keepalived or
# keepalived-rs). The daemon runs on kad0, a veth whose other end is in
# namespace `peer`; keepalived 2.2.7 there is the higher-priority peer.
# Steps, each recorded in $W/seq.log: the daemon alone becomes MASTER
# (VIP on kad0, adverts from the ipvlan; link and addresses saved), the peer starts (the VIP
# leaves), the peer stops (the VIP comes back), SIGTERM (the ipvlan goes).
W=$KA_UML_WORK
ka_modprobe veth ipvlan || exit 90
ip netns add peer || exit 91
ip link add kad0 address 02:00:5e:10:00:01 type veth \
    peer name kap0 address 02:00:5e:10:00:02 netns peer || exit 92
ip link set kad0 up && ip addr add 192.0.2.1/24 dev kad0 || exit 93
ip -n peer link set lo up && ip -n peer link set kap0 up || exit 94
ip -n peer addr add 192.0.2.2/24 dev kap0 || exit 95

log() { echo "$1" >> "$W/seq.log"; }
# keepalived 2.2.7 keeps an ipvlan instance's VIPs on the configured
# interface; the ipvlan carries the adverts.
has_vip() { ip -o -4 addr show dev kad0 | grep -q ' 192\.0\.2\.100/'; }
no_vip() { ! has_vip; }
gone() { ! ip link show dev ipv0 >/dev/null 2>&1; }

"$KA_DAEMON" -n -l -D -f "$W/keepalived.conf" >"$W/daemon.log" 2>&1 &
K=$!
if ka_wait_for 300 has_vip; then log "master: vip on kad0"; else log "no vip on kad0"; fi
sleep 1
ip -d link show dev ipv0 > "$W/link.txt" 2>&1
ip addr show dev ipv0 > "$W/addr-master.txt" 2>&1
ip addr show dev kad0 > "$W/parent-master.txt" 2>&1
cat /proc/sys/net/ipv6/conf/ipv0/disable_ipv6 > "$W/disable_ipv6.txt" 2>&1

ip netns exec peer keepalived -n -l -D -f "$W/peer.conf" \
    -p /run/peer.pid -r /run/peer-vrrp.pid -c /run/peer-chk.pid \
    >"$W/peer.log" 2>&1 &
P=$!
if ka_wait_for 300 no_vip; then log "backup: vip gone"; else log "vip stayed"; fi
ip addr show dev ipv0 > "$W/addr-backup.txt" 2>&1
ip addr show dev kad0 > "$W/parent-backup.txt" 2>&1

kill -TERM $P
wait $P
if grep -q 'advert from 192\.0\.2\.11 ' "$W/peer.log"; then
    log "peer heard adverts from 192.0.2.11"
else
    log "peer heard no advert from 192.0.2.11"
fi
if ka_wait_for 300 has_vip; then log "master again: vip on kad0"; else log "no vip after the peer left"; fi

ka_stop $K
if ka_wait_for 150 gone; then log "stopped: ipv0 gone"; else log "ipv0 left behind"; fi
exit 0
