#!/usr/bin/env bash
# Regenerates sdks/talos (the @pulumiverse/talos Node SDK) from the Talos provider's Pulumi schema.
#   tools/talos-sdk/regenerate.sh <schema.json> <provider-version>
# The schema is provider/cmd/pulumi-resource-talos/schema.json of pulumiverse/pulumi-talos at the tag
# of that version (CI and developers have it at ../shared/reference/pulumi-talos/schema.v0.8.1.json).
# On a connected machine, `npm install @pulumiverse/talos@<version>` is a drop-in replacement.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCHEMA="$(realpath "${1:?schema.json}")"
VERSION="${2:?provider version, e.g. 0.8.1}"
OUT="$ROOT/sdks/talos"
bash "$ROOT/tools/toolchain/build-sdkgen.sh"
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
bash "$ROOT/tools/talos-sdk/build.sh"
echo "sdks/talos regenerated from $SCHEMA at $VERSION"
