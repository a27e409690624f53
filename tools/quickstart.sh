#!/usr/bin/env bash
# Setup, then a preview of the homelab stack: the README's first command.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/tools/setup.sh"
exec bash "$ROOT/tools/preview.sh" homelab
