#!/bin/sh
# chk_nginx for keepalived's vrrp_script: exits 0 when the local nginx
# answers an HTTP request with a 2xx or 3xx status, non-zero otherwise.
#
# Why an HTTP request and not `pidof nginx` or `kill -0 $(cat pidfile)`:
# - pidof sees every nginx in the PID namespace, including those of
#   containers and of other network namespaces on the same machine, so it
#   can report a healthy nginx that is not this node's;
# - a pid (pidof or the pid file) says a process exists, not that it
#   serves: a hung or misconfigured nginx keeps its pid.
# A request to the local nginx tests what the VIP is for. It must finish
# within the vrrp_script's `timeout` (2 s): curl gives up after 1.5 s.
#
# Change URL if nginx does not serve http://127.0.0.1/ (a health
# location such as /healthz is better when the site needs a backend).
URL="http://127.0.0.1/"
exec curl --silent --fail --output /dev/null --max-time 1.5 "$URL"
