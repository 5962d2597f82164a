#!/usr/bin/env bash
# DESIGN.md §3: the wire, config and engine crates depend on no async
# runtime, no libc/nix/socket2 and no netlink crate. Fails if one does.
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden='^(tokio|mio|libc|nix|socket2|netlink-[a-z-]+|rtnetlink|futures[a-z-]*)( |$)'
status=0
for crate in ka-types ka-wire ka-config ka-vrrp ka-check ka-bfd ka-agentx; do
    deps=$(cargo tree --locked -e normal -p "$crate" --prefix none --format '{p}' | sort -u)
    bad=$(grep -E "$forbidden" <<<"$deps" || true)
    if [[ -n "$bad" ]]; then
        echo "check-deps: $crate must not depend on: $(tr '\n' ' ' <<<"$bad")"
        status=1
    else
        echo "check-deps: $crate: $(wc -l <<<"$deps") crates, none forbidden"
    fi
done
exit "$status"
