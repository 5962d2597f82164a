# The side-by-side director run inside a UML guest (tests/director_uml.rs).
# Environment: KA_UML_WORK (the host work folder: configurations, the
# notify script, results), KA_DAEMON (keepalived or keepalived-rs),
# KA_EXPECT=1 when $W/expect/STEP.txt holds the table the other
# implementation left at each step (then each step waits for it).
# Results: $W/out/STEP.txt (sorted `ipvsadm-save -n`), $W/notify.log
# (notify and quorum script lines, with `step NAME` markers), $W/daemon.log,
# $W/steps.log (how each step ended).
W=$KA_UML_WORK
mkdir -p "$W/out"
ka_modprobe ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_dh dummy || exit 90
ip link add kad0 type dummy && ip link set kad0 up || exit 91
for a in 192.0.2.1/24 192.0.2.11/24 192.0.2.12/24 192.0.2.13/24 \
         198.51.100.1/24 198.51.100.11/24 198.51.100.12/24 198.51.100.13/24 \
         203.0.113.1/24 203.0.113.11/24 203.0.113.12/24; do
    ip addr add $a dev kad0 || exit 92
done
for a in 2001:db8::1/64 2001:db8::11/64 2001:db8::12/64; do
    ip -6 addr add $a dev kad0 nodad || exit 93
done

PY=/usr/bin/python3
# Every server but the one that dies (192.0.2.12 and 2001:db8::12).
$PY "$W/servers.py" "$W/ready-a" 192.0.2.11:80 192.0.2.13:80 \
    198.51.100.11:80 198.51.100.12:80 198.51.100.13:80 \
    203.0.113.11:80 203.0.113.12:80 '[2001:db8::11]:80' 2>"$W/servers-a.log" &
start_b() {
    rm -f "$W/ready-b"
    $PY "$W/servers.py" "$W/ready-b" 192.0.2.12:80 '[2001:db8::12]:80' 2>>"$W/servers-b.log" &
    B=$!
}
start_b
# wait_file FILE TENTHS
wait_file() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt $2 ]; do sleep 0.1; i=$((i+1)); done
    [ -e "$1" ]
}
wait_file "$W/ready-a" 200 && wait_file "$W/ready-b" 200 || { echo "guest: servers not ready"; cat "$W"/servers-*.log; exit 94; }

table() { ipvsadm-save -n | sort; }
mark() { echo "step $1" >> "$W/notify.log"; }
# NOW: centiseconds since boot, without a fork (forks are slow in UML).
now() { read NOW _ < /proc/uptime; NOW=${NOW%.*}${NOW#*.}; }

has() { printf '%s\n' "$1" | grep -qF -- "$2"; }

# The condition a step waits for: with KA_EXPECT the other run's table
# ($EXP), else keepalived's own behaviour. $1 step, $2 table now.
reached() {
    if [ "$KA_EXPECT" = 1 ]; then
        [ "$2" = "$EXP" ]
        return
    fi
    case $1 in
    start) [ -n "$2" ] ;;
    dead) [ "$2" != "$PREV" ] && ! echo "$2" | grep -Eq -- '-r (192\.0\.2\.12|\[2001:db8::12\]):80 .* -w [1-9]' ;;
    back) [ "$2" = "$START" ] ;;
    reload) [ "$2" != "$PREV" ] && has "$2" '-u 198.51.100.100:53 -r 198.51.100.13:53' \
        && has "$2" '-t 192.0.2.103:8080 -r 192.0.2.13:80' && has "$2" '-t 203.0.113.103:80 -r 192.0.2.12:80' ;;
    stop) ! alive ;;
    esac
}

# settle STEP SECONDS: polls the table until it satisfies the step's
# condition and then stays the same for 2 s, at most SECONDS; saves it as
# out/STEP.txt and how it went in steps.log.
PREV=""
settle() {
    EXP=""
    [ "$KA_EXPECT" = 1 ] && EXP=$(cat "$W/expect/$1.txt")
    now; t0=$NOW; deadline=$((NOW + $2 * 100)); since=""; last=""; how=timeout
    while :; do
        cur=$(table); now
        if reached "$1" "$cur"; then
            [ "$cur" = "$last" ] && [ -n "$since" ] || since=$NOW
            if [ $((NOW - since)) -ge 200 ]; then how=settled; break; fi
        else
            since=""
        fi
        last=$cur
        [ "$NOW" -ge "$deadline" ] && break
        sleep 0.2
    done
    t=$((NOW - t0))
    echo "$1 $how after $((t / 100)).$((t % 100 / 10))s" | tee -a "$W/steps.log"
    printf '%s\n' "$cur" | sed '/^$/d' > "$W/out/$1.txt"
    PREV=$cur
}

# The daemon runs (a zombie, not yet reaped by this shell, does not).
alive() {
    [ -r "/proc/$KA_PID/stat" ] && ! grep -q ') [ZX] ' "/proc/$KA_PID/stat"
}

cp "$W/keepalived.conf" "$W/run.conf"
mark start
"$KA_DAEMON" -n -l -D -f "$W/run.conf" >"$W/daemon.log" 2>&1 &
KA_PID=$!
settle start 30
START=$cur
alive || { echo "daemon-exited-at-start" >> "$W/steps.log"; exit 0; }

mark dead
kill "$B"; wait "$B" 2>/dev/null
settle dead 30

mark back
start_b
wait_file "$W/ready-b" 100 || echo "guest: server b not back"
settle back 30

mark reload
cp "$W/keepalived-reload.conf" "$W/run.conf"
kill -HUP "$KA_PID"
settle reload 30

mark stop
kill -TERM "$KA_PID"
i=0
while alive && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
alive && echo "daemon-still-running-after-sigterm" >> "$W/steps.log"
settle stop 20
exit 0
