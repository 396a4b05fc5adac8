#!/bin/sh
# Build the static init binary into build/dumb-init (or $1), with the flags
# of the release: no cgo, no paths, stripped, and no inlining anywhere
# (-gcflags=all=-l), which keeps the amd64 binary under 1.3 MB, the
# runtime's asynchronous preemption switched off at link time (see
# preempt.go), and the entry point main.entry, which keeps the caller's Go
# runtime settings (GODEBUG, GOMAXPROCS, ...) away from the init (see
# entry.go; a plain `go build` binary re-executes itself once to get both).
# A plain build is about 40 KB larger.
# GOARCH, VERSION (default: the VERSION file) and DUMB_INIT_SRC (the source
# tree, default: this repository) may be set in the environment.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build/dumb-init}
case $out in /*) ;; *) out=$PWD/$out ;; esac
cd "${DUMB_INIT_SRC:-$here}"
version=${VERSION:-$(cat VERSION)}
mkdir -p "$(dirname "$out")"
CGO_ENABLED=0 go build -trimpath -gcflags=all=-l \
	-ldflags="-s -w -E main.entry -X main.version=$version -X runtime.godebugDefault=asyncpreemptoff=1 -X main.preemptOff=1" \
	-o "$out" .
