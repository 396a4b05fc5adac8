#!/bin/sh
# Double fork: the subshell exits at once, so the worker is orphaned and re-parented to PID 1. When
# the worker exits, only PID 1 can reap it.
( sh -c 'echo "orphan started" >>/log/events; sleep 0.3; echo "orphan exiting" >>/log/events' & )
# tail, like most programs, never waits for children it did not start.
exec tail -f /dev/null
