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
STAMP="$BIN/.pulumi-language-nodejs.version"
mkdir -p "$BIN" "$WRAP"
if [ -x "$BIN/pulumi-language-nodejs" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ]; then exit 0; fi
cd "$WRAP"
[ -f go.mod ] || go mod init toolchain/pulumi-language-nodejs >/dev/null 2>&1
printf '//go:build tools\npackage tools\nimport _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"\n' > tools.go
go get "github.com/pulumi/pulumi/sdk/v3@v$VERSION"
go mod tidy
go build -trimpath -o "$BIN/pulumi-language-nodejs" \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
echo "$VERSION" > "$STAMP"
