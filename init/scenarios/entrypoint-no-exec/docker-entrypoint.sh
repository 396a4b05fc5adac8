#!/bin/sh
echo "entrypoint setup" >>/log/events
# No exec: this shell stays the parent of the command and dies of the first SIGTERM it gets.
"$@"
