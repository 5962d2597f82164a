#!/bin/sh
# notify_up/notify_down/quorum_up/quorum_down: one line per call.
echo "$*" >> "$(dirname "$0")/notify.log"
