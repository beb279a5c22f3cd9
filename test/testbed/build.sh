#!/usr/bin/env bash
# Builds the test bed's real binaries from Go modules into a cache outside the repo, reused while the pinned
# versions (the go.mod/go.sum files under go/ and this script) are unchanged. Nothing prebuilt is downloaded.
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  <- k8s.io/kubernetes (go/kube)
#   etcd                                                              <- go.etcd.io/etcd/server/v3 (go/etcd)
#   kwok (the kubelet stand-in) and its stage configs                 <- sigs.k8s.io/kwok (go/kwok)
#   prometheus (3.x)                                                  <- github.com/prometheus/prometheus (go/prometheus)
# Prints the cache directory on its last line; progress goes to stderr.
set -euo pipefail

# One function, parsed whole before it runs: editing this file during a long build cannot derail it.
main() {
	here=$(cd "$(dirname "$0")" && pwd)
	cd "$here/go"
	# Bump recipe when a change here changes what is built (flags, versions stamped); other edits keep the cache.
	recipe=1
	hash=$( (echo "recipe $recipe"; cat */go.mod */go.sum) | sha256sum | cut -c1-16)
	root=${MESHTOP_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshtop/testbed}
	out="$root/$hash"
	mkdir -p "$out/bin"
	log() { printf '[testbed build] %s\n' "$*" >&2; }
	export GOFLAGS=-mod=mod

	kube_version=$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' kube/go.mod)
	kube_minor=$(echo "$kube_version" | cut -d. -f2)
	kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$kube_minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$kube_version -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$kube_minor"
	prom_version=$(sed -n 's/^require github.com\/prometheus\/prometheus v0\.\([0-9]*\)\.\([0-9]*\)$/3.\1.\2/p' prometheus/go.mod | sed 's/^3\.3\([0-9][0-9]\)\./3.\1./')

	# build NAME MODULE_DIR PACKAGE LDFLAGS
	build() {
		local name=$1 dir=$2 pkg=$3 ldflags=$4
		if [ -x "$out/bin/$name" ]; then log "$name: cached"; return; fi
		if [ -n "${MESHTOP_TESTBED_NO_BUILD:-}" ]; then log "$name: not built yet (run test/testbed/build.sh)"; exit 3; fi
		log "$name: building $pkg (first build only; minutes)"
		local t0=$SECONDS
		(cd "$dir" && go build -ldflags "$ldflags" -o "$out/bin/$name.tmp" "$pkg")
		mv "$out/bin/$name.tmp" "$out/bin/$name"
		log "$name: built in $((SECONDS - t0)) s"
	}

	build etcd etcd go.etcd.io/etcd/server/v3 "-s -w"
	build kube-apiserver kube k8s.io/kubernetes/cmd/kube-apiserver "$kube_ldflags"
	build kubectl kube k8s.io/kubernetes/cmd/kubectl "$kube_ldflags"
	build kube-scheduler kube k8s.io/kubernetes/cmd/kube-scheduler "$kube_ldflags"
	build kube-controller-manager kube k8s.io/kubernetes/cmd/kube-controller-manager "$kube_ldflags"
	build kwok kwok sigs.k8s.io/kwok/cmd/kwok "-s -w"
	build prometheus prometheus github.com/prometheus/prometheus/cmd/prometheus "-s -w -X github.com/prometheus/common/version.Version=$prom_version"

	if [ ! -d "$out/kwok-stage" ]; then
		kwok_dir=$(cd kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
		cp -r --no-preserve=mode "$kwok_dir/kustomize/stage" "$out/kwok-stage.tmp"
		mv "$out/kwok-stage.tmp" "$out/kwok-stage"
	fi
	printf '{"kubernetes":"%s","etcd":"v3.6.16","kwok":"v0.8.0","prometheus":"%s"}\n' "$kube_version" "$prom_version" >"$out/versions.json"
	log "ready: $(du -sh "$out" | cut -f1) in $out"
	echo "$out"
}

main "$@"
