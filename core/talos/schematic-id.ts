// The Image Factory schematic ID, computed locally so that everything embedding it (installer image,
// config patches) is known at preview time, before the factory has been asked.
//
// How the factory computes it (siderolabs/image-factory, pkg/schematic/schematic.go): the posted YAML
// is decoded into its Schematic struct, re-encoded with gopkg.in/yaml.v3's Marshal (4-space indent,
// struct field order, `omitempty` fields left out, an empty `customization` written as `{}`), and the
// ID is the hex SHA-256 of those bytes. So the ID depends on the content, not on how we format it.
// We only emit the part of that encoding our schematics use: official system extensions.
import { createHash } from "node:crypto";

export interface SchematicDocument {
  customization: { systemExtensions: { officialExtensions: string[] } };
}

/** Names yaml.v3 writes as plain scalars: an official extension is `<org>/<name>`. */
export const EXTENSION_NAME = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;

/** The canonical text the factory hashes (yaml.v3 Marshal of its Schematic struct). */
export function canonicalSchematicYaml(doc: SchematicDocument): string {
  const extensions = doc.customization.systemExtensions.officialExtensions;
  for (const e of extensions) {
    // anything else might be quoted by yaml.v3, and a guessed quoting would give a wrong ID
    if (!EXTENSION_NAME.test(e)) throw new Error(`extension "${e}" is not an <org>/<name> extension name`);
  }
  if (extensions.length === 0) return "customization: {}\n";
  return `${["customization:", "    systemExtensions:", "        officialExtensions:", ...extensions.map((e) => `            - ${e}`)].join("\n")}\n`;
}

export function schematicId(doc: SchematicDocument): string {
  return createHash("sha256").update(canonicalSchematicYaml(doc)).digest("hex");
}

/**
 * The ID the factory answered, if it is the one computed here. Anything else would leave nodes with
 * an installer image the factory does not serve, so the deployment stops before any VM exists.
 */
export function checkFactorySchematicId(returned: string, expected: string): string {
  if (returned !== expected) {
    throw new Error(
      `the Image Factory registered schematic ${returned}, but the configs were built for ${expected} (computed locally); the factory's encoding may have changed: see core/talos/schematic-id.ts`,
    );
  }
  return returned;
}
