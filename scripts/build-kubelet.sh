#!/bin/sh
# The node of the Kubernetes suite (scripts/test-kubernetes.sh): a kubelet and
# crictl, built from the Go module proxy at the versions pinned here, the only
# place they are named. Prints the directory that holds both binaries.
#
# Built once per machine into $DUMB_INIT_KUBE_CACHE (default
# /var/cache/dumb-init-test/kubernetes-VERSION); later runs find the binaries
# there and build nothing. The module and build caches of the build are
# scratch, removed afterwards: only the two binaries are kept. Remove the
# directory to build again.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod points its staging
# modules (k8s.io/api, k8s.io/client-go, ...) at directories of its own tree
# with `replace`, which only the main module may do. So the kubelet is built
# from a throwaway wrapper module that requires k8s.io/kubernetes and replaces
# each staging module with its published release: v0.X.Y for v1.X.Y, as the
# Kubernetes release process tags them. The list of staging modules is read
# from k8s.io/kubernetes's own go.mod (those it requires at v0.0.0).
set -eu

kubernetes_version=v1.34.4
cri_tools_version=v1.34.0

staging_version=v0.${kubernetes_version#v1.}
cache=${DUMB_INIT_KUBE_CACHE:-/var/cache/dumb-init-test/kubernetes-$kubernetes_version}
log() { echo "build-kubelet: $*" >&2; }
# The go command's own output goes to a log, shown when a step fails.
quiet() {
	"$@" >>"$work/go.log" 2>&1 || {
		tail -n 40 "$work/go.log" >&2
		return 1
	}
}

# One build at a time: a second caller waits and then finds the binaries.
# Holding the lock, any build directory left is a killed build's (2 GB).
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ -x "$cache/kubelet" ] && [ -x "$cache/crictl" ]; then
	echo "$cache"
	exit 0
fi

export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null 2>&1 || { log "Go is required (expected at /usr/local/go)"; exit 1; }
for stale in "$cache".build.*; do
	[ -d "$stale" ] || continue
	log "removing $stale, left by a build that was killed"
	chmod -R u+w "$stale" 2>/dev/null || true
	rm -rf "$stale"
done
work=$(mktemp -d "$cache.build.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
# Nothing from the caller's Go setup reaches the build (GOFLAGS=-race, a
# GOOS for another machine, a toolchain download); the caches are scratch.
export GOMODCACHE="$work/mod" GOCACHE="$work/cache" GOFLAGS=-modcacherw \
	GOTOOLCHAIN=local CGO_ENABLED=0 GOOS=linux GOBIN="$work/bin"
unset GOARCH

start=$(date +%s)
log "downloading k8s.io/kubernetes@$kubernetes_version and its modules"
mkdir "$work/kubelet"
download=$(cd "$work/kubelet" && go mod download -json "k8s.io/kubernetes@$kubernetes_version" 2>&1) || true
upstream_mod=$(printf '%s\n' "$download" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
[ -s "$upstream_mod" ] || {
	printf '%s\n' "$download" >&2
	log "no go.mod for k8s.io/kubernetes@$kubernetes_version"
	exit 1
}
staging=$(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$upstream_mod")
[ -n "$staging" ] || { log "no staging modules found in k8s.io/kubernetes's go.mod"; exit 1; }
# The go and godebug lines follow upstream's, so the kubelet keeps the
# runtime defaults it is released with.
go_line=$(awk '$1 == "go" { print; exit }' "$upstream_mod")
godebug_line=$(awk '$1 == "godebug" { print; exit }' "$upstream_mod")
{
	echo "module dumb-init-test/kubelet"
	echo
	echo "$go_line"
	[ -z "$godebug_line" ] || echo "$godebug_line"
	echo
	echo "require k8s.io/kubernetes $kubernetes_version"
	echo
	echo "replace ("
	for m in $staging; do
		echo "	$m => $m $staging_version"
	done
	echo ")"
} >"$work/kubelet/go.mod"
# Loading the packages fetches exactly the modules the kubelet links.
(cd "$work/kubelet" && quiet go list -mod=mod -deps k8s.io/kubernetes/cmd/kubelet) ||
	{ log "fetching the kubelet's modules failed"; exit 1; }
downloaded=$(date +%s)
log "downloaded in $((downloaded - start)) s"

log "building the kubelet (7 to 9 minutes on two cores)"
(cd "$work/kubelet" && quiet go build -mod=mod -trimpath \
	-ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$kubernetes_version -X k8s.io/component-base/version.gitTreeState=clean" \
	-o "$work/bin/kubelet" k8s.io/kubernetes/cmd/kubelet) || { log "building the kubelet failed"; exit 1; }
built_kubelet=$(date +%s)
log "kubelet built in $((built_kubelet - downloaded)) s"
# cri-tools has no replace directives: a plain go install works.
(cd "$work" && quiet go install -trimpath \
	-ldflags="-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$cri_tools_version" \
	"sigs.k8s.io/cri-tools/cmd/crictl@$cri_tools_version") || { log "building crictl failed"; exit 1; }
log "crictl downloaded and built in $(($(date +%s) - built_kubelet)) s"

got=$("$work/bin/kubelet" --version)
[ "$got" = "Kubernetes $kubernetes_version" ] || { log "kubelet --version says '$got'"; exit 1; }
got=$("$work/bin/crictl" --version)
[ "$got" = "crictl version $cri_tools_version" ] || { log "crictl --version says '$got'"; exit 1; }

rm -rf "$cache"
mv "$work/bin" "$cache"
log "kubelet and crictl in $cache ($(du -sh "$cache" | cut -f1)), $(($(date +%s) - start)) s in all"
echo "$cache"
