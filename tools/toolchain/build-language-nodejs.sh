#!/usr/bin/env bash
# Builds the Node.js language host into .toolchain/bin.
# Its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served by the module proxy this
# project can reach; the host also ships inside github.com/pulumi/pulumi/sdk/v3 up to v3.68.0, which is.
# sdk/v3's go.mod has replace lines, so it is built from a throwaway wrapper module.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION="${PULUMI_LANGUAGE_NODEJS_VERSION:?}"
BIN="$ROOT/.toolchain/bin"
WRAP="$ROOT/.toolchain/src/pulumi-language-nodejs-$VERSION"
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key -- "$VERSION")"
mkdir -p "$BIN" "$WRAP"
cache_fresh pulumi-language-nodejs "$KEY" "$BIN/pulumi-language-nodejs" && exit 0
cd "$WRAP"
[ -f go.mod ] || go mod init toolchain/pulumi-language-nodejs >/dev/null 2>&1
printf '//go:build tools\npackage tools\nimport _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"\n' > tools.go
go get "github.com/pulumi/pulumi/sdk/v3@v$VERSION"
go mod tidy
go build -trimpath -o "$BIN/pulumi-language-nodejs.new" \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
mv "$BIN/pulumi-language-nodejs.new" "$BIN/pulumi-language-nodejs"
cache_store pulumi-language-nodejs "$KEY"
