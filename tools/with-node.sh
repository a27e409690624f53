#!/usr/bin/env bash
# Runs a command with the project's Node first on PATH (tools/node-env.sh); npm's scripts go through it,
# so `npm test` and `npm run preflight` use a supported Node even when npm itself was started by an older one.
set -euo pipefail
. "$(dirname "$0")/node-env.sh"
exec "$@"
