#!/usr/bin/env bash
# What the tests need beyond tools/setup.sh (run by `npm test` before the tests; cached, seconds when
# warm): the external judges the tests hold our output against, built or fetched from pinned Go
# modules into .toolchain/ (git-ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. tools/versions.env
. tools/node-env.sh
[ -f .toolchain/toolchain.env ] || { echo "setup-tests: run tools/setup.sh first" >&2; exit 1; }
command -v go >/dev/null || { echo "setup-tests: the tests build their judges with Go 1.24+; install Go" >&2; exit 1; }
t0=$(date +%s)
bash tools/toolchain/fetch-judges.sh
bash tools/toolchain/build-talos-validate.sh
# the day-2 steps run the real talosctl against a stand-in that speaks the Talos machine API
bash tools/toolchain/build-talosctl.sh
bash tools/toolchain/build-talos-api-standin.sh
# stand-in talos/kubernetes/command plugins for the full-engine tier (installed only per test run)
bash tools/toolchain/build-standins.sh
# the pull-request workflow is linted by the real actionlint
if [ "$(cat .toolchain/bin/.actionlint.version 2>/dev/null)" != "$ACTIONLINT_VERSION" ]; then
  GOBIN="$ROOT/.toolchain/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  echo "$ACTIONLINT_VERSION" > .toolchain/bin/.actionlint.version
fi
echo "setup-tests: judges ready in $(( $(date +%s) - t0 ))s"
