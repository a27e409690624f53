#!/usr/bin/env bash
# Builds talosctl from github.com/siderolabs/talos (cmd/talosctl) at TALOSCTL_VERSION into
# .toolchain/bin/talosctl, unless a talosctl is already on PATH (then that one is used as is).
# The talos module's go.mod replaces pkg/machinery with ./pkg/machinery, a nested module that the
# module zip leaves out, so we build in a writable copy with that replace pointed at the published
# machinery module of the same version.
# With an argument (`build-talosctl.sh 1.13.0`) it builds that release into .toolchain/bin/talosctl-1.13
# (cached, always built, never taken from PATH): the day-2 tests run the runner with each talosctl
# release whose behaviour differs (1.13 forces --wait when --drain is on).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
BIN="$ROOT/.toolchain/bin"
mkdir -p "$BIN"
if [ -n "${1:-}" ]; then
  V="v${1#v}"; NAME="talosctl-$(echo "${1#v}" | cut -d. -f1,2)"
else
  V="v${TALOSCTL_VERSION:?}"; NAME=talosctl
  if [ "${FORCE_TALOSCTL_BUILD:-}" != 1 ] && command -v talosctl >/dev/null 2>&1 && [ "$(command -v talosctl)" != "$BIN/talosctl" ]; then
    echo "talosctl: using $(command -v talosctl)"; exit 0
  fi
fi
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key -- "$V")"
cache_fresh "$NAME" "$KEY" "$BIN/$NAME" && exit 0
t0=$(date +%s)
SRC="$(go_module_dir github.com/siderolabs/talos "$V")"
WORK="$(mktemp -d)"; trap 'chmod -R u+w "$WORK"; rm -rf "$WORK"' EXIT
cp -r "$SRC" "$WORK/talos"; chmod -R u+w "$WORK/talos"
cd "$WORK/talos"
go mod edit -replace "github.com/siderolabs/talos/pkg/machinery=github.com/siderolabs/talos/pkg/machinery@$V"
# v1.13.0 replaces containerd with a fork (github.com/smira/containerd/v2: containerd 2.2 plus the
# commit of containerd PR 12175) that the module proxy does not serve; without it talosctl builds
# with the upstream containerd release talos's go.mod requires (the fork's change is in the image
# registry code machined runs, not in what talosctl's upgrade, etcd and version commands do)
FORK="$(sed -n 's|^replace github.com/containerd/containerd/v2 => \(github.com/smira/containerd/v2\) \(.*\)$|\1@\2|p' go.mod)"
if [ -n "$FORK" ] && ! GOWORK=off GOFLAGS=-mod=mod go mod download "$FORK" 2>/dev/null; then
  go mod edit -dropreplace github.com/containerd/containerd/v2
  echo "talosctl $V: $FORK is not served; building with upstream containerd"
fi
# the machinery module's sums are not in talos's go.sum (it was a local replace there)
GOWORK=off GOFLAGS=-mod=mod go mod download github.com/siderolabs/talos/pkg/machinery
GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -tags grpcnotrace -ldflags "-s -w" -o "$BIN/$NAME.new" ./cmd/talosctl
mv "$BIN/$NAME.new" "$BIN/$NAME"
cache_store "$NAME" "$KEY"
echo "$NAME: built $V in $(( $(date +%s) - t0 ))s"
