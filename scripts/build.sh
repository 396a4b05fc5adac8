#!/bin/sh
# Build the static init binary into build/dumb-init (or $1).
# Same flags as the release, for the host architecture.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/dumb-init}
mkdir -p "$(dirname "$out")"
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$out" .
