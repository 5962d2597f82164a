#!/bin/sh
# notify script for the sync group's `notify`: called on every state
# change as   notify.sh TYPE NAME STATE PRIORITY
# (TYPE is GROUP here, STATE is MASTER, BACKUP, FAULT or STOP).
# It records the director's current role where monitoring can read it
# and logs the change.
TYPE=$1
NAME=$2
STATE=$3
PRIORITY=$4
STATE_FILE=/run/lvs-director.state

echo "$STATE" > "$STATE_FILE.tmp" && mv "$STATE_FILE.tmp" "$STATE_FILE"
logger -t lvs-director "$TYPE $NAME is now $STATE (priority $PRIORITY)" 2>/dev/null
exit 0
