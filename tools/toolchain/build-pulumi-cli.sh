#!/usr/bin/env bash
# Builds the Pulumi CLI from its Go module into .toolchain/bin (offline-friendly: only the Go module proxy).
# pkg/v3's go.mod carries replace lines, so `go install pkg@ver` is refused; a throwaway wrapper module
# that requires pkg/v3 sidesteps that (replace lines of dependencies are ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION="${PULUMI_CLI_VERSION:?}"
BIN="$ROOT/.toolchain/bin"
WRAP="$ROOT/.toolchain/src/pulumi-cli-$VERSION"
. "$ROOT/tools/toolchain/cache.sh"
KEY="$(cache_key -- "$VERSION")"
mkdir -p "$BIN" "$WRAP"
cache_fresh pulumi-cli "$KEY" "$BIN/pulumi" && exit 0
cd "$WRAP"
[ -f go.mod ] || go mod init toolchain/pulumi-cli >/dev/null 2>&1
cat > tools.go <<GO
//go:build tools
package tools
import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
go get "github.com/pulumi/pulumi/pkg/v3@v$VERSION" "github.com/pulumi/pulumi/sdk/v3@v$VERSION"
go mod tidy -e >/dev/null 2>&1 || true
go build -trimpath -o "$BIN/pulumi.new" \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$BIN/pulumi.new" "$BIN/pulumi"
"$BIN/pulumi" version
cache_store pulumi-cli "$KEY"
