#!/bin/sh
# chk_pg_primary for keepalived's vrrp_script (run as root):
# exits 0 only when the local PostgreSQL answers a query AND is a primary
# (`pg_is_in_recovery()` is false). A standby, a server that is down,
# starting or hung, all fail: the VIP follows the primary, not any live
# server. `pg_isready` alone would pass on a standby too.
#
# Change PGHOST (the socket directory, Debian's default) and PGPORT if
# the cluster uses others. PGCONNECT_TIMEOUT keeps a hung server from
# running past the vrrp_script's `timeout`.
#
# The query runs as the postgres user through runuser, so Debian's peer
# authentication on the local socket admits it with no password. (A
# `user postgres` line in the vrrp_script would do the same, but
# keepalived 2.2.7's `keepalived -t` kills itself, status 143, on any
# script with a `user`: the configuration could not be checked.)
PGHOST=/var/run/postgresql
PGPORT=5432
export PGHOST PGPORT
export PGCONNECT_TIMEOUT=2
in_recovery=$(runuser -u postgres -- psql -X -q -t -A -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null) || exit 1
[ "$in_recovery" = "f" ]
