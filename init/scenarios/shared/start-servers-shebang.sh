#!/usr/bin/dumb-init /bin/sh
# The shebang puts a dumb-init between whatever starts this file and the shell that runs it; the
# script itself is the ordinary multi-service entrypoint.
exec /start-servers.sh
