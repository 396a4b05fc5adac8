#!/bin/sh
# The multi-service entrypoint of the documents' table: start three services with different shutdown
# times and wait for all of them. It passes no signal on; it only notes the ones it gets.
server fast 0.2 &
server medium 1 &
server slow 2 &
# Noted, never passed on.
trap 'echo "entrypoint got TERM" >>/log/events' TERM
echo "entrypoint waiting" >>/log/events
# A trapped signal interrupts `wait` (status > 128): keep waiting until every service is gone.
until wait; do :; done
echo "entrypoint done" >>/log/events
