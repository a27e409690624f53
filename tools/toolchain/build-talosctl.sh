#!/usr/bin/env bash
# Builds talosctl from github.com/siderolabs/talos (cmd/talosctl) at TALOSCTL_VERSION into
# .toolchain/bin/talosctl, unless a talosctl is already on PATH (then that one is used as is).
# The talos module's go.mod replaces pkg/machinery with ./pkg/machinery, a nested module that the
# module zip leaves out, so we build in a writable copy with that replace pointed at the published
# machinery module of the same version.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
V="v${TALOSCTL_VERSION:?}"
BIN="$ROOT/.toolchain/bin"
mkdir -p "$BIN"
if [ "${FORCE_TALOSCTL_BUILD:-}" != 1 ] && command -v talosctl >/dev/null 2>&1 && [ "$(command -v talosctl)" != "$BIN/talosctl" ]; then
  echo "talosctl: using $(command -v talosctl)"; exit 0
fi
STAMP="$V $(sha256sum "$0" | cut -c1-16)"
if [ -x "$BIN/talosctl" ] && [ "$(cat "$BIN/.talosctl.stamp" 2>/dev/null)" = "$STAMP" ]; then exit 0; fi
t0=$(date +%s)
SRC="$(go mod download -json "github.com/siderolabs/talos@$V" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
WORK="$(mktemp -d)"; trap 'chmod -R u+w "$WORK"; rm -rf "$WORK"' EXIT
cp -r "$SRC" "$WORK/talos"; chmod -R u+w "$WORK/talos"
cd "$WORK/talos"
go mod edit -replace "github.com/siderolabs/talos/pkg/machinery=github.com/siderolabs/talos/pkg/machinery@$V"
# the machinery module's sums are not in talos's go.sum (it was a local replace there)
GOWORK=off GOFLAGS=-mod=mod go mod download github.com/siderolabs/talos/pkg/machinery
GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -tags grpcnotrace -ldflags "-s -w" -o "$BIN/talosctl.new" ./cmd/talosctl
mv "$BIN/talosctl.new" "$BIN/talosctl"
echo "$STAMP" > "$BIN/.talosctl.stamp"
echo "talosctl: built $V in $(( $(date +%s) - t0 ))s"
