#!/usr/bin/env bash
# One-time setup (re-runs take seconds): npm dependencies, the Pulumi toolchain built from Go modules
# into .toolchain/ (git-ignored), and the resource plugins where they can be had.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. tools/versions.env
command -v node >/dev/null || { echo "setup: Node.js 20+ is required" >&2; exit 1; }
command -v go >/dev/null || { echo "setup: Go 1.24+ is required (it builds the Pulumi CLI offline)" >&2; exit 1; }
t0=$(date +%s)
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
[ -d policies/node_modules ] && [ policies/node_modules/.package-lock.json -nt policies/package-lock.json ] || (cd policies && npm ci --no-audit --no-fund)
bash tools/talos-sdk/build.sh
PULUMI_CLI_VERSION=$PULUMI_CLI_VERSION bash tools/toolchain/build-pulumi-cli.sh
PULUMI_LANGUAGE_NODEJS_VERSION=$PULUMI_LANGUAGE_NODEJS_VERSION bash tools/toolchain/build-language-nodejs.sh
bash tools/toolchain/build-sdkgen.sh
bash tools/toolchain/build-talos-validate.sh
bash tools/toolchain/install-plugins.sh
echo "setup: done in $(( $(date +%s) - t0 ))s; toolchain in .toolchain/bin"
