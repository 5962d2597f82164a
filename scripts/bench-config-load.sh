#!/usr/bin/env bash
# Side-by-side configuration load time: `keepalived -t` (2.2.7) and
# `keepalived-rs -t` on the keepalived.conf(5) manual's ~SEQ example
# ("will produce 65024 vrrp instances"), at growing sizes.
#
# Usage (as root, after `cargo build --release`):
#   scripts/bench-config-load.sh [RUNS] [BIN]
# RUNS defaults to 3, BIN to target/release/keepalived-rs. Prints, for each
# size, the median wall time and peak RSS of each implementation. A run of
# keepalived longer than LIMIT seconds (default 120) is stopped and shown
# as ">LIMIT". Both run in a namespace made here (deleted on exit) whose
# only interfaces are lo and a veth pair, so the manual's `bond*`
# interfaces are missing for both alike.
set -euo pipefail

runs=${1:-3}
bin=$(realpath "${2:-target/release/keepalived-rs}")
limit=${LIMIT:-120}
ns="kars-bench-load-$$"
dir=$(mktemp -d)

cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "needs root (network namespace)"; exit 1; }
command -v keepalived >/dev/null || { echo "keepalived is not installed"; exit 1; }
[ -x "$bin" ] || { echo "no $bin: run cargo build --release first"; exit 1; }

ip netns add "$ns"
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" link set eth0 up

# The manual's example, with the last ~SEQ bound as a parameter (IF runs
# 0..$1, so the instance count is ($1 + 1) * 32 * 254).
write_conf() {
    cat > "$dir/k$1.conf" <<EOF
\$VI4= \\
track_file offset_instance_4.\${IF}.\${NUM}.\${ID} { \\
    file "$dir/track/4.\${IF}.\${NUM}.\${ID}" \\
    weight -100 \\
} \\
vrrp_instance vrrp4.\${IF}.\${NUM}.\${ID} { \\
    interface bond\${IF}.\${NUM} \\
    use_vmac vrrp4.\${IF}.\${NUM}.\${ID} \\
    virtual_router_id \${ID} \\
    priority 130 \\
    virtual_ipaddress { \\
        10.\${IF}.\${NUM}.\${ID}/24 \\
    } \\
    track_file { \\
        offset_instance_4.\${IF}.\${NUM}.\${ID} \\
    } \\
}

~SEQ(IF,0,$1) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) \$VI4
EOF
}

# One timed run: prints "seconds kib" (seconds ">LIMIT" on timeout).
measure() {
    local out
    /usr/bin/time -o "$dir/time" -f "%e %M" timeout "$limit" ip netns exec "$ns" "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$dir/time")
    local secs=${out% *} kib=${out#* }
    if awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s >= l - 0.5) }'; then
        secs=">$limit"
    fi
    echo "$secs $kib"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-10s %-8s %-26s %-26s\n' instances lines "keepalived s (RSS MiB)" "keepalived-rs s (RSS MiB)"
for last in 0 1 3 7; do
    write_conf "$last"
    conf="$dir/k$last.conf"
    instances=$(( (last + 1) * 32 * 254 ))
    lines=$(( instances * 16 ))
    row=()
    for impl in ka rs; do
        times=() ; rss=()
        for _ in $(seq "$runs"); do
            if [ $impl = ka ]; then
                r=$(measure keepalived -t -l -f "$conf" -p "$dir/p1" -r "$dir/p2" -c "$dir/p3" -b "$dir/p4")
            else
                r=$(measure "$bin" -t -f "$conf")
            fi
            times+=("${r% *}") ; rss+=("${r#* }")
            # A timed-out size is not worth repeating.
            [[ ${r% *} == '>'* ]] && break
        done
        t=$(printf '%s\n' "${times[@]}" | median)
        m=$(printf '%s\n' "${rss[@]}" | median)
        row+=("$(awk -v t="$t" -v m="$m" 'BEGIN { printf "%s (%.0f)", t, m / 1024 }')")
    done
    printf '%-10s %-8s %-26s %-26s\n' "$instances" "$lines" "${row[0]}" "${row[1]}"
done
