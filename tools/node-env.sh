# Source this file to run the project's Node: the `node` on PATH when it is 22.9+ or 24+ (yours, or one
# a caller put first, such as CI's Node 22), else the one tools/setup.sh installed into .toolchain/node
# (only where the system Node is older).
_node_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$_node_root/.toolchain/node/bin/node" ]; then
  _node_v="$(node --version 2>/dev/null || echo v0.0)"; _node_v="${_node_v#v}"
  _node_major="${_node_v%%.*}"; _node_minor="${_node_v#*.}"; _node_minor="${_node_minor%%.*}"
  if ! { [ "$_node_major" -ge 24 ] || { [ "$_node_major" -eq 22 ] && [ "$_node_minor" -ge 9 ]; }; }; then
    export PATH="$_node_root/.toolchain/node/bin:$PATH"
  fi
  unset _node_v _node_major _node_minor
fi
unset _node_root
