#!/bin/sh
# The entrypoint of a pod with sidecars: two services in the background, then the main one (the
# arguments) exec'd, so that it is the init's child. `metrics` stays in the entrypoint's process
# group; `cache` starts in a session of its own, as daemons do, where no signal to the group reaches.
service metrics 1 &
setsid service cache 2 &
exec "$@"
