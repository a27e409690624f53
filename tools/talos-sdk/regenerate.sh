#!/usr/bin/env bash
# Regenerates sdks/talos (the @pulumiverse/talos Node SDK) from the Talos provider's Pulumi schema.
#   tools/talos-sdk/regenerate.sh [schema.json] [provider-version]     (default: sdks/talos/schema.json 0.8.1)
# The schema is provider/cmd/pulumi-resource-talos/schema.json of pulumiverse/pulumi-talos at the tag
# of that version; v0.8.1's is committed as sdks/talos/schema.json (kept across regenerations).
# On a connected machine, `npm install @pulumiverse/talos@<version>` is a drop-in replacement.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/sdks/talos"
SCHEMA="$(realpath "${1:-$OUT/schema.json}")"
VERSION="${2:-0.8.1}"
bash "$ROOT/tools/toolchain/build-sdkgen.sh"
# the committed schema and its license note live in the output folder: keep them
KEEP="$(mktemp -d)"; trap 'rm -rf "$KEEP"' EXIT
cp "$SCHEMA" "$KEEP/schema.json"; cp "$OUT/SCHEMA-LICENSE.md" "$KEEP/" 2>/dev/null || true
SCHEMA="$KEEP/schema.json"
rm -rf "$OUT"
"$ROOT/.toolchain/bin/sdkgen" -schema "$SCHEMA" -version "$VERSION" -out "$OUT"
# Compile with the project's TypeScript; consumers load bin/ (package.json main/types point there).
node -e '
const fs = require("fs"); const p = process.argv[1] + "/package.json";
const pkg = JSON.parse(fs.readFileSync(p, "utf8"));
pkg.main = "bin/index.js"; pkg.types = "bin/index.d.ts";
delete pkg.devDependencies; delete pkg.scripts;
fs.writeFileSync(p, JSON.stringify(pkg, null, 2) + "\n");
' "$OUT"
cp "$KEEP/schema.json" "$OUT/schema.json"; cp "$KEEP/SCHEMA-LICENSE.md" "$OUT/" 2>/dev/null || true
bash "$ROOT/tools/talos-sdk/build.sh"
echo "sdks/talos regenerated from $SCHEMA at $VERSION"
