#!/usr/bin/env bash
# For the workflow test only: the real actionlint at ACTIONLINT_VERSION into .toolchain/bin (cached).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key -- "$ACTIONLINT_VERSION")"
cache_fresh actionlint "$KEY" "$ROOT/.toolchain/bin/actionlint" && exit 0
GOBIN="$ROOT/.toolchain/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
cache_store actionlint "$KEY"
