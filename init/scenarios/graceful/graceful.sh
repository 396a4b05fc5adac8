#!/bin/sh
server web 1 &
web=$!
server worker 2 &
worker=$!
trap 'echo "graceful.sh got TERM" >>/log/events; kill -TERM $web $worker' TERM
echo "graceful.sh waiting" >>/log/events
# A trapped signal interrupts `wait` (status > 128): keep waiting until both services are gone.
until wait; do :; done
echo "graceful.sh done" >>/log/events
