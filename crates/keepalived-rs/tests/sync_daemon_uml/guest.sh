# lvs_sync_daemon side by side (tests/sync_daemon_uml.rs), inside a UML
# guest. Environment: KA_UML_WORK (host work folder: keepalived.conf,
# results), KA_DAEMON (keepalived or keepalived-rs). Polls
# `ipvsadm -L --daemon` every 0.2 s and appends each change to
# $W/seq.log, with `step NAME` markers: start (BACKUP, then MASTER),
# fault (the tracked script fails: FAULT), recover (MASTER again), stop
# (SIGTERM).
W=$KA_UML_WORK
ka_modprobe ip_vs ip_vs_rr dummy || exit 90
ip link add kad0 type dummy && ip link set kad0 multicast on up || exit 91
ip addr add 192.0.2.1/24 dev kad0 || exit 92
touch "$W/healthy"

LAST=""
rec() {
    cur=$(ipvsadm -L --daemon | sort | tr '\n' ';')
    [ -n "$cur" ] || cur=none
    if [ "$cur" != "$LAST" ]; then echo "$cur" >> "$W/seq.log"; LAST=$cur; fi
}
# until TENTHS PATTERN: polls until the daemons match PATTERN (bounded).
until_() {
    i=0
    while [ $i -lt "$1" ]; do
        rec
        case "$LAST" in $2) return 0 ;; esac
        sleep 0.2; i=$((i + 2))
    done
    echo "timeout waiting for $2" >> "$W/seq.log"
}
# settle TENTHS: keeps recording for that long.
settle() { i=0; while [ $i -lt "$1" ]; do rec; sleep 0.2; i=$((i + 2)); done; }

echo "step start" >> "$W/seq.log"
"$KA_DAEMON" -n -l -D -f "$W/keepalived.conf" >"$W/daemon.log" 2>&1 &
K=$!
until_ 400 'master sync daemon*'
settle 20

echo "step fault" >> "$W/seq.log"
rm -f "$W/healthy"
until_ 300 'backup sync daemon*'
settle 20

echo "step recover" >> "$W/seq.log"
touch "$W/healthy"
until_ 400 'master sync daemon*'
settle 20

echo "step stop" >> "$W/seq.log"
ka_stop $K
echo "exit $?" >> "$W/steps.log"
rec
exit 0
