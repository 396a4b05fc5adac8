#!/bin/sh
echo "entrypoint setup" >>/log/events
# exec: the command takes over this process, so it is dumb-init's direct child.
exec "$@"
