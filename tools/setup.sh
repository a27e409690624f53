#!/usr/bin/env bash
# What deploying needs, once (a second run takes seconds): a supported Node.js, npm dependencies, the
# generated Talos SDK, a Pulumi CLI and the resource plugins.
#  - Your Node 22.9+ or 24+ is used as it is; where the system Node is older, Node $NODE_VERSION comes
#    from the npm registry into .toolchain/node (tools/toolchain/install-node.sh).
#  - A Pulumi CLI on PATH, at least as new as the @pulumi/pulumi SDK, is used as it is: nothing is built
#    from Go, and plugins come the normal way (`pulumi plugin install`).
#  - Otherwise (an offline machine) the CLI and a Node language host are built from Go modules into
#    .toolchain/ (git-ignored), and plugins are built or installed there where they can be had.
# The choice is written to .toolchain/toolchain.env, which tools/pulumi-env.sh reads.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. tools/versions.env
t0=$(date +%s)
log() { echo "setup: $*"; }
bash tools/toolchain/install-node.sh
. tools/node-env.sh

fresh() { [ -d "$1/node_modules" ] && [ "$1/node_modules/.package-lock.json" -nt "$1/package-lock.json" ]; }
fresh . || npm ci --no-audit --no-fund --loglevel=error
fresh policies || (cd policies && npm ci --no-audit --no-fund --loglevel=error)
bash tools/talos-sdk/build.sh

mkdir -p .toolchain
SDK_VERSION="$(node -p 'require("@pulumi/pulumi/package.json").version')"
# an installed CLI, not this project's own offline build (on PATH after `. tools/pulumi-env.sh`)
installed="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$ROOT/.toolchain/bin" | paste -sd: -)" command -v pulumi || true)"
installed_version=""
[ -n "$installed" ] && installed_version="$("$installed" version 2>/dev/null | sed 's/^v//' || true)"
if [ -n "$installed_version" ] && [ "$(printf '%s\n%s\n' "$SDK_VERSION" "$installed_version" | sort -V | head -1)" = "$SDK_VERSION" ]; then
  log "using the installed Pulumi CLI $installed_version ($installed); nothing is built from Go"
  printf 'HOMELAB_TOOLCHAIN=installed\n' > .toolchain/toolchain.env
else
  [ -n "$installed_version" ] && log "the installed Pulumi CLI $installed_version is older than the SDK ($SDK_VERSION); building the offline toolchain instead"
  command -v go >/dev/null || { echo "setup: no Pulumi CLI >= $SDK_VERSION on PATH, and no Go to build one: install Pulumi (https://www.pulumi.com/docs/install/) or Go 1.24+" >&2; exit 1; }
  log "no Pulumi CLI >= $SDK_VERSION on PATH: the offline toolchain (Pulumi $PULUMI_CLI_VERSION and its Node language host, built from Go modules into .toolchain/bin when missing)"
  # the two builds share little; on 2 cores running them side by side saves about a minute
  PULUMI_CLI_VERSION=$PULUMI_CLI_VERSION bash tools/toolchain/build-pulumi-cli.sh & cli=$!
  PULUMI_LANGUAGE_NODEJS_VERSION=$PULUMI_LANGUAGE_NODEJS_VERSION bash tools/toolchain/build-language-nodejs.sh & host=$!
  rc=0; wait $cli || rc=1; wait $host || rc=1
  [ $rc = 0 ] || { echo "setup: building the offline Pulumi toolchain failed (see above)" >&2; exit 1; }
  printf 'HOMELAB_TOOLCHAIN=offline\n' > .toolchain/toolchain.env
fi
# talosctl runs the day-2 steps (upgrades, etcd snapshots, node removal)
if command -v talosctl >/dev/null 2>&1 && [ "$(command -v talosctl)" != "$ROOT/.toolchain/bin/talosctl" ]; then
  log "talosctl: using $(command -v talosctl)"
  bash tools/toolchain/install-plugins.sh
elif [ "$(cat .toolchain/toolchain.env)" = HOMELAB_TOOLCHAIN=installed ]; then
  log "talosctl is not on PATH: day-2 operations need it; install the talosctl release of your stack's versions.talos (v1.11.5 in Pulumi.homelab.yaml; README, Deploy step 1: the official script installs the newest, which may be too far from your cluster), or run tools/toolchain/build-talosctl.sh to build $TALOSCTL_VERSION with Go"
  bash tools/toolchain/install-plugins.sh
else
  # offline: talosctl from the Talos module, beside the plugins (both mostly wait on downloads and the linker)
  bash tools/toolchain/build-talosctl.sh & talosctl=$!
  bash tools/toolchain/install-plugins.sh
  wait $talosctl || { echo "setup: building talosctl failed (see above)" >&2; exit 1; }
fi
log "done in $(( $(date +%s) - t0 ))s"
