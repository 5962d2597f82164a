#!/bin/sh
# notify script for keepalived's `notify`: called on every state change
# as   notify.sh TYPE NAME STATE PRIORITY
# (TYPE is INSTANCE or GROUP, STATE is MASTER, BACKUP, FAULT or STOP).
# It records the current state where monitoring can read it and logs
# the change. Keep it short: keepalived runs notify scripts in order and
# kills one that runs for too long.
TYPE=$1
NAME=$2
STATE=$3
PRIORITY=$4
STATE_FILE=/run/nginx-ha.state

echo "$STATE" > "$STATE_FILE.tmp" && mv "$STATE_FILE.tmp" "$STATE_FILE"
logger -t nginx-ha "$TYPE $NAME is now $STATE (priority $PRIORITY)" 2>/dev/null
exit 0
