#!/bin/sh
# A legacy daemon in its own session that ignores SIGTERM, next to the main server.
setsid stubborn &
exec "$@"
