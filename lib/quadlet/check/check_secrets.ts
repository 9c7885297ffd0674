/**
 * Secrets: every `Secret=` must be declared in `.leger.yaml` (or exist in
 * podman on the host), every declared secret must be used, and
 * `.leger.yaml` itself must match its schema.
 *
 * @module
 */
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { parseLegerYaml } from "../../meta/leger_yaml.ts";
import { LEGER_YAML } from "../../meta/set_meta.ts";
import type { DiagnosticSink, HostProbe } from "../diagnostic.ts";
import { listEntries, type UnitEntry } from "../parse.ts";
import type { LoadedSet } from "../set.ts";
import { splitWords } from "../split.ts";
import { parseSecret } from "../value/storage.ts";
import { expandsAtStart } from "./expansion.ts";

interface Declared {
  podman: string;
  env?: string;
  line: number;
  column: number;
}

function declaredSecrets(text: string): Declared[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const seq = doc.get("secrets", true);
  if (!isSeq(seq)) return [];
  const out: Declared[] = [];
  for (const item of seq.items) {
    if (!isMap(item)) continue;
    const podman = item.get("podman-secret");
    if (typeof podman !== "string") continue;
    const pos = counter.linePos(item.range?.[0] ?? 0);
    const env = item.get("env");
    out.push({ podman, ...(typeof env === "string" ? { env } : {}), line: pos.line, column: pos.col });
  }
  return out;
}

/** Checks `.leger.yaml` and the secrets the set uses. */
export async function checkSecrets(set: LoadedSet, host: HostProbe | undefined, sink: DiagnosticSink): Promise<void> {
  const yamlText = set.files.get(LEGER_YAML);
  let declared: Declared[] = [];
  if (yamlText !== undefined) {
    const parsed = parseLegerYaml(yamlText);
    if (!parsed.ok) {
      for (const p of parsed.problems) {
        sink.add({
          file: LEGER_YAML,
          line: p.line,
          column: p.column,
          severity: "error",
          code: "leger-yaml/schema",
          ...(p.key ? { key: p.key } : {}),
          message: p.key ? `${p.key}: ${p.message}` : p.message,
          fix: "see the .leger.yaml format in docs/VALIDATION.md",
        });
      }
    }
    declared = declaredSecrets(yamlText);
  }
  const uses: Array<{ entry: UnitEntry; name: string; type: string; target?: string }> = [];
  for (const unit of set.units.values()) {
    if (unit.kind !== "container" && unit.kind !== "build") continue;
    for (const e of listEntries(unit.merged, unit.section, "Secret")) {
      for (const w of splitWords(e.value, "args").words) {
        const s = parseSecret(w);
        // A name systemd fills in at start (${NAME}, %i) cannot be looked up before.
        if (s.name !== "" && !s.name.includes("=") && !expandsAtStart(s.name)) uses.push({ entry: e, ...s });
      }
    }
  }
  const pending: Promise<void>[] = [];
  const checked = new Map<string, Promise<boolean | undefined>>();
  const exists = (name: string) => {
    if (!host?.podmanSecretExists) return Promise.resolve(undefined);
    let p = checked.get(name);
    if (!p) {
      p = host.podmanSecretExists(name);
      checked.set(name, p);
    }
    return p;
  };
  for (const use of uses) {
    const decl = declared.find((d) => d.podman === use.name);
    if (decl) {
      const envTarget = use.type === "env" ? use.target ?? use.name : undefined;
      if (decl.env && use.type === "env" && envTarget !== decl.env) {
        sink.at(
          use.entry,
          "warning",
          "secret/env-mismatch",
          `.leger.yaml says secret ${use.name} is the environment variable ${decl.env}, but Secret= sets ${envTarget}`,
          `write Secret=${use.name},type=env,target=${decl.env}`,
          true,
        );
      }
      continue;
    }
    pending.push(
      exists(use.name).then((found) => {
        if (found === true) return;
        const fix =
          `declare it in .leger.yaml under secrets: (podman-secret: ${use.name}), or create it with podman secret create`;
        if (found === false) {
          sink.at(
            use.entry,
            "error",
            "secret/undeclared",
            `secret ${use.name} is not declared in .leger.yaml and does not exist in podman`,
            fix,
            true,
          );
        } else if (yamlText !== undefined) {
          sink.at(
            use.entry,
            "warning",
            "secret/undeclared",
            `secret ${use.name} is not declared in .leger.yaml`,
            fix,
            true,
          );
        } else {
          sink.at(
            use.entry,
            "info",
            "secret/unmanaged",
            `secret ${use.name} must exist in podman before the unit starts; leger does not manage it`,
            "declare it in a .leger.yaml to let leger provide it",
            true,
          );
        }
      }),
    );
  }
  for (const d of declared) {
    if (!uses.some((u) => u.name === d.podman)) {
      sink.add({
        file: LEGER_YAML,
        line: d.line,
        column: d.column,
        severity: "warning",
        code: "secret/unused",
        key: "secrets",
        message: `secret ${d.podman} is declared but no unit uses it`,
        fix: `add Secret=${d.podman} to a container, or remove the declaration`,
      });
    }
  }
  await Promise.all(pending);
}
