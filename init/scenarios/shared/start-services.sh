#!/bin/sh
# The docker-entrypoint.sh of a container that runs sidecars next to its main server: start them in
# the background, then exec the main server (CMD), which becomes dumb-init's child. The sidecars need
# 1-2 s to shut down cleanly; the main server usually much less.
# A metrics exporter: in this shell's process group, which is the group dumb-init signals.
server metrics 1 &
# A cache started the way daemons start: in a session of its own, out of reach of any signal to the
# group. Only the kernel's SIGKILL when PID 1 exits, or DUMB_INIT_GRACE, reaches it.
setsid server cache 2 &
exec "$@"
