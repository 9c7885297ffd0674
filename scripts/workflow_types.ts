/**
 * Writes lib/workflow/declarations.ts: the workflow API's type declarations
 * (`leger.d.ts`, what `leger workflow eject` puts beside an ejected file),
 * printed from mod.ts's types by the TypeScript compiler
 * (`deno run -A scripts/workflow_types.ts`; `--check` only compares, and
 * tests/integration/workflow_types_test.ts fails when the file is stale).
 *
 * Types only (a workflow file uses \`import type\`; `defineWorkflow`, a
 * value, is for files inside the project). Every type reachable from
 * mod.ts's exports is printed by structure, so
 * the declarations need nothing else: types of npm packages (zod's
 * inferred objects) are written out, and dax's `$` is declared by hand as
 * the part of it workflows use (the test checks that leger's real shell
 * fits that declaration).
 *
 * @module
 */
import ts from "typescript";
import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };

const ROOT = new URL("..", import.meta.url).pathname;
const TARGET = join(ROOT, "lib/workflow/declarations.ts");

/** The part of dax's `$` a workflow gets, declared by hand (dax's own types are not shipped). */
const SHELL = `/** A command being built: \`$\\\`podman ps\\\`\` (dax). Awaiting it runs it. */
export interface CommandBuilder extends PromiseLike<CommandResult> {
  /** Does not throw on a non-zero exit code. */
  noThrow(value?: boolean): CommandBuilder;
  /** Shows neither stdout nor stderr. */
  quiet(kind?: "stdout" | "stderr" | "both"): CommandBuilder;
  /** Sets the working directory. */
  cwd(dir: string): CommandBuilder;
  /** Adds environment variables. */
  env(items: Record<string, string | undefined>): CommandBuilder;
  /** Sets standard input to this text. */
  stdinText(text: string): CommandBuilder;
  /** Ends the command after this many milliseconds. */
  timeout(ms: number | undefined): CommandBuilder;
  /** Prints the command before running it. */
  printCommand(value?: boolean): CommandBuilder;
  /** Runs it and gives standard output as text, trimmed. */
  text(kind?: "stdout" | "stderr" | "combined"): Promise<string>;
  /** Runs it and gives standard output's lines. */
  lines(kind?: "stdout" | "stderr" | "combined"): Promise<string[]>;
  /** Runs it and parses standard output as JSON. */
  json<TResult = any>(kind?: "stdout" | "stderr"): Promise<TResult>;
  /** Runs it and gives standard output as bytes. */
  bytes(kind: "stdout" | "stderr" | "combined"): Promise<Uint8Array>;
}

/** What a finished command gives. */
export interface CommandResult {
  /** Exit code. */
  readonly code: number;
  /** Standard output as text (when captured). */
  readonly stdout: string;
  /** Standard error as text (when captured). */
  readonly stderr: string;
}

/** The dax shell: \`$\\\`podman ps\\\`\`. Arguments in \\\`\${...}\\\` are escaped, never parsed. */
export interface Shell {
  (strings: TemplateStringsArray, ...exprs: any[]): CommandBuilder;
  /** Waits this many milliseconds (or a duration like "1s"). */
  sleep(delay: number | string): Promise<void>;
  /** The path of a program on PATH, if any. */
  which(commandName: string): Promise<string | undefined>;
  /** Escapes one argument for a command line. */
  escapeArg(arg: string): string;
}
`;

const HEAD = `// leger's workflow API: the types a workflow file imports from "leger"
// (\`import type { WorkflowContext } from "leger"\`: types only, nothing of
// leger is loaded at run time). Written by \`leger workflow eject\` with a
// deno.json that maps "leger" to this file, so \`deno check\` and editors
// know the API. Generated from leger's mod.ts; do not edit (it is replaced
// on the next eject).
`;

function npmDir(name: string): string {
  const spec = (denoJson.imports as Record<string, string>)[name]!.replace(/^npm:/, "");
  const at = spec.lastIndexOf("@");
  const denoDir = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno");
  // Deno keeps packages under npm/<the registry's host>/: whichever registry its configuration names, found on disk.
  const npm = join(denoDir, "npm");
  const hosts = [...Deno.readDirSync(npm)].filter((e) => e.isDirectory).map((e) => join(npm, e.name));
  const dirs = hosts.map((h) => join(h, spec.slice(0, at), spec.slice(at + 1)));
  const found = dirs.find((d) => {
    try {
      return Deno.statSync(d).isDirectory;
    } catch {
      return false;
    }
  });
  if (!found) throw new Error(`${spec} is not in Deno's npm cache (${npm}): run deno install first`);
  return found;
}

/** Prints the declarations of everything mod.ts exports (types only). */
export function generate(): string {
  const paths: Record<string, string[]> = {};
  for (const name of Object.keys(denoJson.imports)) paths[name] = [npmDir(name)];
  const program = ts.createProgram([join(ROOT, "mod.ts")], {
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ESNext,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
    paths,
  });
  const checker = program.getTypeChecker();
  const mod = checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, "mod.ts"))!)!;

  const ours = (d: ts.Declaration) => {
    const f = d.getSourceFile().fileName;
    return f.startsWith(ROOT) && !f.includes("/node_modules/");
  };
  const emitted = new Map<string, string>(); // name -> declaration text
  const queue: ts.Symbol[] = [];
  const queued = new Set<ts.Symbol>();
  const want = (sym: ts.Symbol) => {
    if (queued.has(sym)) return;
    queued.add(sym);
    queue.push(sym);
  };

  const docOf = (sym: ts.Symbol, indent: string) => {
    const text = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
    if (!text) return "";
    const lines = text.split("\n");
    return lines.length === 1
      ? `${indent}/** ${lines[0]} */\n`
      : `${indent}/**\n${lines.map((l) => `${indent} *${l ? " " + l : ""}`).join("\n")}\n${indent} */\n`;
  };

  /** A named type of leger's own (interface or alias declared in the project), if `t` is one. */
  const namedOf = (t: ts.Type): ts.Symbol | undefined => {
    const sym = t.aliasSymbol ?? t.getSymbol();
    if (!sym || sym.getName() === "__type" || sym.getName() === "__object") return undefined;
    const decl = sym.declarations?.[0];
    if (!decl || !ours(decl)) return undefined;
    if (ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl)) return sym;
    if (ts.isTypeAliasDeclaration(decl) && t.aliasSymbol === sym) return sym;
    return undefined;
  };

  const printParams = (sig: ts.Signature, indent: string) =>
    sig.getParameters().map((p) => {
      const decl = p.valueDeclaration as ts.ParameterDeclaration | undefined;
      const rest = decl?.dotDotDotToken ? "..." : "";
      const optional = decl && (decl.questionToken || decl.initializer) ? "?" : "";
      let t = checker.getTypeOfSymbol(p);
      if (optional) t = checker.getNonNullableType(t);
      return `${rest}${p.getName()}${optional}: ${print(t, indent)}`;
    }).join(", ");

  const printSig = (sig: ts.Signature, indent: string, arrow: boolean) => {
    // A generic signature (the facade's exact options: `<O extends X>(options?: Exact<O, X>)`) keeps its parameters.
    const params = (sig.getTypeParameters() ?? []).map((tp) => {
      const c = tp.getConstraint();
      return `${tp.symbol.getName()}${c ? ` extends ${print(c, indent)}` : ""}`;
    });
    const generic = params.length ? `<${params.join(", ")}>` : "";
    const ret = print(sig.getReturnType(), indent);
    return arrow
      ? `${generic}(${printParams(sig, indent)}) => ${ret}`
      : `${generic}(${printParams(sig, indent)}): ${ret}`;
  };

  const members = (t: ts.Type, indent: string): string => {
    const inner = indent + "  ";
    const out: string[] = [];
    for (const p of checker.getPropertiesOfType(t)) {
      const decl = p.valueDeclaration ?? p.declarations?.[0];
      // A class's private and protected members are not part of what a workflow may call.
      if (decl && ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      if (p.getName().startsWith("#") || p.getName() === "prototype") continue;
      const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
      const doc = docOf(p, inner);
      if (decl && (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl))) {
        if (ts.isMethodDeclaration(decl) && decl.name.getText().startsWith("#")) continue;
        for (const sig of checker.getTypeOfSymbol(p).getCallSignatures()) {
          out.push(`${doc}${inner}${p.getName()}${optional ? "?" : ""}${printSig(sig, inner, false)};`);
        }
        continue;
      }
      let pt = checker.getTypeOfSymbol(p);
      if (optional) pt = checker.getNonNullableType(pt);
      const typeNode = decl && (decl as ts.PropertySignature).type;
      const shell = typeNode && ts.isTypeReferenceNode(typeNode) && typeNode.typeName.getText() === "Shell";
      const readonly = decl && ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Readonly ? "readonly " : "";
      const name = /^[A-Za-z_$][\w$]*$/.test(p.getName()) ? p.getName() : JSON.stringify(p.getName());
      out.push(`${doc}${inner}${readonly}${name}${optional ? "?" : ""}: ${shell ? "Shell" : print(pt, inner)};`);
    }
    for (const sig of t.getCallSignatures()) out.push(`${inner}${printSig(sig, inner, false)};`);
    const index = checker.getIndexInfosOfType(t);
    for (const info of index) out.push(`${inner}[key: ${print(info.keyType, inner)}]: ${print(info.type, inner)};`);
    return out.length ? `{\n${out.join("\n")}\n${indent}}` : "{}";
  };

  const print = (t: ts.Type, indent: string): string => {
    const own = t.aliasSymbol ?? t.getSymbol();
    const ownFile = own?.declarations?.[0]?.getSourceFile().fileName ?? "";
    if (own && ownFile.includes("/dax/") && ["CommandBuilder", "CommandResult"].includes(own.getName())) {
      return own.getName(); // declared by hand with the shell
    }
    if (t.flags & ts.TypeFlags.TypeParameter) return t.symbol.getName();
    const named = namedOf(t);
    if (named) {
      if (named.getName() === "Shell") return "Shell"; // declared by hand
      want(named);
      const args = t.aliasSymbol === named ? t.aliasTypeArguments ?? [] : [];
      return `${named.getName()}${args.length ? `<${args.map((a) => print(a, indent)).join(", ")}>` : ""}`;
    }
    return printBare(t, indent);
  };

  /** Prints a type by its structure, even when it has a name. */
  const printBare = (t: ts.Type, indent: string): string => {
    if (t.isUnion()) {
      const parts = t.types;
      const hasTrue = parts.some((p) => p.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(p) === "true");
      const hasFalse = parts.some((p) => p.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(p) === "false");
      const rest = parts.filter((p) => !(hasTrue && hasFalse && p.flags & ts.TypeFlags.BooleanLiteral));
      const printed = rest.map((p) => {
        const s = print(p, indent);
        return p.getCallSignatures().length && !namedOf(p) ? `(${s})` : s;
      });
      if (hasTrue && hasFalse) printed.push("boolean");
      return [...new Set(printed)].join(" | ");
    }
    if (t.isIntersection()) return t.types.map((p) => print(p, indent)).join(" & ");
    if (
      t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.String | ts.TypeFlags.Number |
        ts.TypeFlags.Boolean | ts.TypeFlags.BigInt | ts.TypeFlags.Void | ts.TypeFlags.Undefined | ts.TypeFlags.Null |
        ts.TypeFlags.Never | ts.TypeFlags.Literal | ts.TypeFlags.ESSymbol | ts.TypeFlags.NonPrimitive)
    ) {
      return checker.typeToString(t);
    }
    if (checker.isArrayType(t)) {
      const [elem] = checker.getTypeArguments(t as ts.TypeReference);
      return `Array<${print(elem!, indent)}>`;
    }
    if (checker.isTupleType(t)) {
      return `[${checker.getTypeArguments(t as ts.TypeReference).map((e) => print(e, indent)).join(", ")}]`;
    }
    const isLib = (d: ts.Declaration | undefined) => !!d && /\/lib\.[\w.]+\.d\.ts$/.test(d.getSourceFile().fileName);
    if (t.aliasSymbol && isLib(t.aliasSymbol.declarations?.[0])) {
      // Record<K, V>, Partial<T>, ...: the standard library's aliases by name.
      const args = t.aliasTypeArguments ?? [];
      return `${t.aliasSymbol.getName()}${args.length ? `<${args.map((a) => print(a, indent)).join(", ")}>` : ""}`;
    }
    const sym = t.getSymbol();
    const decl = sym?.declarations?.[0];
    const fromLib = isLib(decl) && !sym!.getName().startsWith("__");
    if (sym && fromLib) {
      // Promise, Record's targets, Uint8Array, TemplateStringsArray, ...: the standard library's own names.
      const args = (t as ts.TypeReference).target ? checker.getTypeArguments(t as ts.TypeReference) : [];
      return args.length ? `${sym.getName()}<${args.map((a) => print(a, indent)).join(", ")}>` : sym.getName();
    }
    const calls = t.getCallSignatures();
    if (calls.length === 1 && checker.getPropertiesOfType(t).length === 0) return printSig(calls[0]!, indent, true);
    return members(t, indent);
  };

  for (const exp of checker.getExportsOfModule(mod)) {
    const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    if (sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class)) want(sym);
  }
  while (queue.length) {
    const sym = queue.shift()!;
    const name = sym.getName();
    if (name === "Shell") continue;
    if (emitted.has(name)) throw new Error(`two types are named ${name}: rename one`);
    const decl = sym.declarations![0]!;
    if (ts.isTypeAliasDeclaration(decl) && decl.typeParameters?.length) {
      // A generic alias (Exact) is written as declared: its body may name only its parameters and the standard library.
      const names = new Set(decl.typeParameters.map((p) => p.name.text));
      const refs = (n: ts.Node): string[] =>
        ts.isTypeReferenceNode(n)
          ? [n.typeName.getText(), ...n.getChildren().flatMap(refs)]
          : n.getChildren().flatMap(refs);
      const foreign = refs(decl.type).filter((r) =>
        !names.has(r) && !["Exclude", "Extract", "Omit", "Pick"].includes(r)
      );
      if (foreign.length) throw new Error(`generic type ${name} names ${foreign.join(", ")}`);
      emitted.set(name, docOf(sym, "") + `export ${decl.getText().replace(/^export\s+/, "")}\n`);
      continue;
    }
    if ((decl as ts.InterfaceDeclaration).typeParameters?.length) throw new Error(`generic type ${name}`);
    const t = checker.getDeclaredTypeOfSymbol(sym);
    const body = ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl)
      ? `export interface ${name} ${members(t, "")}`
      : `export type ${name} = ${namedOf(t) === sym ? printBare(t, "") : print(t, "")};`;
    emitted.set(name, docOf(sym, "") + body + "\n");
  }
  const names = [...emitted.keys()].sort();
  return [HEAD, SHELL, ...names.map((n) => emitted.get(n)!)].join("\n");
}

function moduleText(dts: string): string {
  const escaped = dts.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${");
  return `/**
 * The workflow API's type declarations (\`leger.d.ts\`), written beside an
 * ejected workflow so that \`deno check\` and editors know "leger".
 * Generated by scripts/workflow_types.ts from mod.ts: do not edit (a test
 * fails when it is stale). Carried as text, so the compiled program needs
 * no file of the source tree.
 *
 * @module
 */

/** The text of leger.d.ts. */
export const WORKFLOW_TYPES: string = \`${escaped}\`;
`;
}

if (import.meta.main) {
  const text = moduleText(generate());
  if (Deno.args.includes("--check")) {
    const now = await Deno.readTextFile(TARGET).catch(() => "");
    if (now !== text) {
      console.error("lib/workflow/declarations.ts is stale: run deno run -A scripts/workflow_types.ts");
      Deno.exit(1);
    }
  } else {
    await Deno.writeTextFile(TARGET, text);
    console.log("wrote lib/workflow/declarations.ts");
  }
}

export { moduleText };
