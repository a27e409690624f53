# One caching scheme for every build and fetch under tools/toolchain (sourced, not run):
# a step is up to date when all of its outputs exist and its stamp, .toolchain/stamps/<step>, holds the
# key of its inputs: the content of its source files, the script that builds it, the pins it uses and
# the compiler (the Go version, or CACHE_TOOL_VERSION). A changed input changes the key; a deleted output or stamp rebuilds.
#
#   key="$(cache_key <file or folder>... -- <extra strings>...)"
#   cache_fresh <step> "$key" <output>... && exit 0
#   ...build...
#   cache_store <step> "$key"
#
# go_module_dir <module> <version>: the module's folder in GOMODCACHE (downloaded and checked against
# the checksum database when missing), for the scripts that copy files out of a pinned module.

# the script that sourced this file (its text is part of every key)
CACHE_SCRIPT="$(cd "$(dirname "$0")" && pwd)/${0##*/}"
CACHE_STAMPS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.toolchain/stamps"

# the key of the inputs: files in argument order (folders: their files, sorted), then the strings after
# `--`, then the calling script and the Go version
cache_key() {
  local files=() extra=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do files+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  extra=("$@")
  {
    local f
    for f in "${files[@]}"; do
      if [ -d "$f" ]; then find "$f" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat; else cat "$f"; fi
    done
    printf '%s\n' "${extra[@]}"
    cat "$CACHE_SCRIPT"
    # the compiler: CACHE_TOOL_VERSION when the caller sets it (a build without Go), else Go's version
    if [ -n "${CACHE_TOOL_VERSION:-}" ]; then
      echo "$CACHE_TOOL_VERSION"
    elif command -v go >/dev/null 2>&1; then go version 2>/dev/null || true; fi
  } | sha256sum | cut -c1-16
}

# true when every output exists and the step's stamp holds this key
cache_fresh() {
  local step="$1" key="$2" out
  shift 2
  for out in "$@"; do [ -e "$out" ] || return 1; done
  [ "$(cat "$CACHE_STAMPS/$step" 2>/dev/null)" = "$key" ]
}

cache_store() {
  mkdir -p "$CACHE_STAMPS"
  printf '%s\n' "$2" >"$CACHE_STAMPS/$1"
}

go_module_dir() {
  local scratch json
  # outside any module: a go.mod up the tree must not take part
  scratch="$(mktemp -d)"
  if ! json="$(cd "$scratch" && go mod download -json "$1@$2")"; then
    rm -rf "$scratch"
    echo "cannot download $1@$2 from $(go env GOPROXY):" >&2
    echo "$json" >&2
    return 1
  fi
  rm -rf "$scratch"
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}
