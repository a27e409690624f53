// The schema the command stand-in judges with. pulumi-command 1.2.x's own schema.json cannot be had
// here (its provider module is not served and the npm package does not ship it), so it is rebuilt from
// what the @pulumi/command SDK in node_modules declares: each resource's token (__pulumiType), its Args
// interface (property names, required or optional, types) and its output names. A type this reader
// does not recognise is left unconstrained rather than guessed.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { PROJECT_DIR } from "../helpers/stacks";

type Node = Record<string, unknown>;

export function commandSchemaFromSdk(): Node {
  const root = path.dirname(require.resolve("@pulumi/command/package.json", { paths: [PROJECT_DIR] }));
  const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
  const parse = (rel: string) => ts.createSourceFile(rel, fs.readFileSync(path.join(root, rel), "utf8"), ts.ScriptTarget.Latest);
  const types: Record<string, Node> = {};
  const inputTypes = parse("types/input.d.ts");

  const enumValues = (module: string, name: string): string[] => {
    const file = parse(`types/enums/${module}/index.d.ts`);
    const values: string[] = [];
    const visit = (n: ts.Node) => {
      if (ts.isVariableDeclaration(n) && n.name.getText(file) === name && n.type && ts.isTypeLiteralNode(n.type)) {
        for (const m of n.type.members)
          if (ts.isPropertySignature(m) && m.type && ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal))
            values.push(m.type.literal.text);
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
    return values;
  };

  const objectType = (members: ts.NodeArray<ts.TypeElement>, file: ts.SourceFile): Node => {
    const properties: Record<string, Node> = {};
    const required: string[] = [];
    for (const m of members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const name = m.name.getText(file);
      properties[name] = convert(m.type, file);
      if (!m.questionToken) required.push(name);
    }
    return { properties, required };
  };

  const inputInterface = (module: string, name: string): ts.InterfaceDeclaration | undefined => {
    let found: ts.InterfaceDeclaration | undefined;
    const visit = (n: ts.Node, ns?: string) => {
      if (ts.isModuleDeclaration(n)) {
        ts.forEachChild(n, (c) => visit(c, n.name.getText(inputTypes)));
        return;
      }
      if (ts.isInterfaceDeclaration(n) && ns === module && n.name.text === name) found = n;
      ts.forEachChild(n, (c) => visit(c, ns));
    };
    visit(inputTypes);
    return found;
  };

  function convert(t: ts.TypeNode, file: ts.SourceFile): Node {
    if (ts.isParenthesizedTypeNode(t)) return convert(t.type, file);
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      case ts.SyntaxKind.NumberKeyword:
        return { type: "number" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
      case ts.SyntaxKind.AnyKeyword:
        return {};
    }
    if (ts.isArrayTypeNode(t)) return { type: "array", items: convert(t.elementType, file) };
    if (ts.isTypeLiteralNode(t)) {
      const index = t.members.find(ts.isIndexSignatureDeclaration);
      return index
        ? { type: "object", additionalProperties: convert(index.type, file) }
        : { type: "object", ...objectType(t.members, file) };
    }
    if (ts.isUnionTypeNode(t)) {
      const text = t.getText(file);
      if (/pulumi\.asset\./.test(text)) return { $ref: "pulumi.json#/Any" };
      const alts = t.types.filter((x) => x.kind !== ts.SyntaxKind.UndefinedKeyword);
      return alts.length === 1 ? convert(alts[0], file) : { oneOf: alts.map((x) => convert(x, file)) };
    }
    if (ts.isTypeReferenceNode(t)) {
      const name = t.typeName.getText(file);
      if ((name === "pulumi.Input" || name === "Input") && t.typeArguments?.length === 1) return convert(t.typeArguments[0], file);
      const ref = /^inputs\.(\w+)\.(\w+)Args$/.exec(name);
      if (ref) {
        const token = `command:${ref[1]}:${ref[2]}`;
        if (!types[token]) {
          types[token] = { type: "object" };
          const decl = inputInterface(ref[1], `${ref[2]}Args`);
          if (decl) types[token] = { type: "object", ...objectType(decl.members, inputTypes) };
        }
        return { $ref: `#/types/${token}` };
      }
      const en = /^enums\.(\w+)\.(\w+)$/.exec(name);
      if (en) return { type: "string", enum: enumValues(en[1], en[2]) };
    }
    return {}; // not recognised: unconstrained
  }

  const resources: Record<string, Node> = {};
  for (const module of ["local", "remote"]) {
    for (const f of fs.readdirSync(path.join(root, module)).filter((x) => x.endsWith(".js") && x !== "index.js")) {
      const token = /__pulumiType = '([^']+)'/.exec(fs.readFileSync(path.join(root, module, f), "utf8"))?.[1];
      if (!token) continue;
      const dts = parse(`${module}/${f.replace(/\.js$/, ".d.ts")}`);
      const className = token.split(":")[2];
      const args = dts.statements.find(
        (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `${className}Args`,
      );
      const cls = dts.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === className);
      const outputs: Record<string, Node> = {};
      for (const m of cls?.members ?? []) {
        if (ts.isPropertyDeclaration(m) && !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword))
          outputs[m.name.getText(dts)] = {};
      }
      const inputs = args ? objectType(args.members, dts) : { properties: {}, required: [] };
      resources[token] = { inputProperties: inputs.properties, requiredInputs: inputs.required, properties: outputs };
    }
  }
  return {
    name: "command",
    version,
    "x-judged-by": `the input declarations of the @pulumi/command ${version} SDK (pulumi-command's own schema is not available offline)`,
    types,
    resources,
    functions: {},
  };
}
