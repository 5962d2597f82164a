#!/bin/sh
# notify script for keepalived's `notify`: called on every state change
# as   notify.sh TYPE NAME STATE PRIORITY
# (TYPE is INSTANCE or GROUP, STATE is MASTER, BACKUP, FAULT or STOP).
# It records the current state where monitoring can read it and logs
# the change. It does not promote or demote PostgreSQL: see README.md.
TYPE=$1
NAME=$2
STATE=$3
PRIORITY=$4
STATE_FILE=/run/postgresql-ha.state

echo "$STATE" > "$STATE_FILE.tmp" && mv "$STATE_FILE.tmp" "$STATE_FILE"
logger -t postgresql-ha "$TYPE $NAME is now $STATE (priority $PRIORITY)" 2>/dev/null
exit 0
