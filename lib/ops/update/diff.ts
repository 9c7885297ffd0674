/**
 * `leger diff`: what applying a staged set would change, file by file and
 * as a summary a person can act on.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { NotFoundError } from "../../core/errors.ts";
import { paint } from "../../core/escape.ts";
import { parseLegerYaml } from "../../meta/leger_yaml.ts";
import { summarizeSet } from "../../quadlet/model.ts";
import { quadletKind, SECTION_OF, type SetFile } from "../../quadlet/kinds.ts";
import { planDropins } from "../../quadlet/dropins.ts";
import { unitFilesOf } from "../../quadlet/units.ts";
import { addedRisks, risksOf, riskText } from "../../quadlet/risk/risks_of.ts";
import { listValues, mergeUnits, parseUnit } from "../../quadlet/parse.ts";
import { loadSetFiles } from "../../state/store.ts";
import { unifiedDiff } from "../../core/diff/text_diff.ts";
import { fileChanges, type UnitImpact, unitImpact } from "./impact.ts";
import { type Drift, drift } from "../query/query.ts";
import { requireManifest } from "../set_lookup.ts";
import type { Manifest } from "../../state/manifest.ts";
import { readStaged } from "./stage.ts";
import { boundedList, NAMED_IN_SUMMARY } from "../../core/bounded_list.ts";

/** One file's change. */
export interface FileDiff {
  name: string;
  status: "added" | "removed" | "changed";
  /** Unified diff text. */
  diff: string;
}

/** The summary of a diff. */
export interface DiffSummary {
  images: Array<{ file: string; from?: string; to?: string }>;
  portsAdded: string[];
  portsRemoved: string[];
  envAdded: string[];
  envRemoved: string[];
  envChanged: string[];
  secretsAdded: string[];
  secretsRemoved: string[];
  volumesAdded: string[];
  volumesRemoved: string[];
  /** Host access and privileges the new version grants that the installed one did not (lib/quadlet/risk/). */
  risksAdded: string[];
  /** Those it no longer grants. */
  risksRemoved: string[];
  units: UnitImpact;
}

/** What `leger diff` shows. */
export interface DiffResult {
  name: string;
  from: { commit?: string; version?: string };
  to: { commit?: string; version?: string };
  files: FileDiff[];
  summary: DiffSummary;
  /** Installed files edited by hand (apply refuses unless --overwrite-edits). */
  drift: Drift[];
}

/** Values of `key` in each quadlet file, its drop-ins merged, keyed `file\0value`. */
function collect(input: readonly SetFile[], key: string): Map<string, string> {
  const files = unitFilesOf(input);
  const out = new Map<string, string>();
  const texts = new Map(files.map((f) => [f.name, f.text]));
  const plan = planDropins(files.map((f) => f.name));
  for (const f of files) {
    const kind = quadletKind(f.name);
    if (!kind || f.name.includes("/")) continue;
    const dropins = (plan.byUnit.get(f.name) ?? []).map((d) => parseUnit(texts.get(d) ?? "", d));
    const unit = mergeUnits(parseUnit(f.text, f.name), dropins);
    for (const v of listValues(unit, SECTION_OF[kind], key)) out.set(`${f.name}\0${v}`, v);
  }
  return out;
}

/** `NAME=value` pairs of an `Environment=` value or an environment file's lines. */
function pairs(text: string, split: RegExp): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const pair of text.match(split) ?? []) {
    const clean = pair.trim().replace(/^export\s+/, "").replace(/^["']|["']$/g, "");
    if (clean.startsWith("#")) continue;
    const eq = clean.indexOf("=");
    if (eq > 0) out.push([clean.slice(0, eq), clean.slice(eq + 1).replace(/^["']|["']$/g, "")]);
  }
  return out;
}

/** Environment variables the set gives its containers: `file: NAME` -> value (Environment= and the set's EnvironmentFile=s). */
function envVars(files: readonly SetFile[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of collect(files, "Environment")) {
    const file = k.split("\0")[0]!;
    for (const [name, value] of pairs(v, /(?:[^\s"']+|"[^"]*"|'[^']*')+/g)) out.set(`${file}: ${name}`, value);
  }
  const texts = new Map(files.map((f) => [f.name, f.text]));
  for (const v of new Set(collect(files, "EnvironmentFile").values())) {
    const name = v.replace(/^\.\//, "");
    const text = texts.get(name);
    if (text === undefined) continue;
    for (const [key, value] of pairs(text, /^.*$/gm)) out.set(`${name}: ${key}`, value);
  }
  return out;
}

const minus = <T>(a: T[], b: T[]) => a.filter((x) => !b.includes(x));

/** Summarises the change from `before` to `after` files. */
export function summarize(before: readonly SetFile[], after: readonly SetFile[]): DiffSummary {
  const imgA = collect(before, "Image"), imgB = collect(after, "Image");
  const images: DiffSummary["images"] = [];
  const fileOf = (k: string) => k.split("\0")[0]!;
  const byFileA = new Map([...imgA].map(([k, v]) => [fileOf(k), v]));
  const byFileB = new Map([...imgB].map(([k, v]) => [fileOf(k), v]));
  for (const file of new Set([...byFileA.keys(), ...byFileB.keys()])) {
    const from = byFileA.get(file), to = byFileB.get(file);
    if (from !== to) images.push({ file, ...(from ? { from } : {}), ...(to ? { to } : {}) });
  }
  const sA = summarizeSet(before), sB = summarizeSet(after);
  const eA = envVars(before), eB = envVars(after);
  const secretsOf = (files: readonly SetFile[]) => {
    const y = files.find((f) => f.name === ".leger.yaml");
    const parsed = y ? parseLegerYaml(y.text) : undefined;
    const declared = parsed?.ok ? parsed.value.secrets.map((s) => `${s["podman-secret"]} (setec ${s.name})`) : [];
    return [
      ...new Set([
        ...declared,
        ...summarizeSet(files).secrets.filter((s) => !declared.some((d) => d.startsWith(s + " "))),
      ]),
    ];
  };
  const secA = secretsOf(before), secB = secretsOf(after);
  const riskA = risksOf(before), riskB = risksOf(after);
  return {
    images,
    portsAdded: minus(sB.ports, sA.ports),
    portsRemoved: minus(sA.ports, sB.ports),
    envAdded: [...eB.keys()].filter((k) => !eA.has(k)),
    envRemoved: [...eA.keys()].filter((k) => !eB.has(k)),
    envChanged: [...eB.keys()].filter((k) => eA.has(k) && eA.get(k) !== eB.get(k)),
    secretsAdded: minus(secB, secA),
    secretsRemoved: minus(secA, secB),
    volumesAdded: minus(sB.volumes.map((v) => v.name), sA.volumes.map((v) => v.name)),
    volumesRemoved: minus(sA.volumes.map((v) => v.name), sB.volumes.map((v) => v.name)),
    risksAdded: addedRisks(riskA, riskB).map(riskText),
    risksRemoved: addedRisks(riskB, riskA).map(riskText),
    units: unitImpact(before, after),
  };
}

/** Diffs the installed files of a set against its staged files. */
export async function diff(engine: Engine, name: string): Promise<DiffResult> {
  const manifest = await requireManifest(engine, name);
  const st = await readStaged(engine, name);
  if (!st) throw new NotFoundError(`Cannot diff ${name}: nothing is staged for it`, `Run leger stage ${name} first.`);
  return await diffAgainst(engine, manifest, st.files, {
    ...(st.record.source.commit ? { commit: st.record.source.commit } : {}),
    ...(st.record.version ? { version: st.record.version } : {}),
  });
}

/** Diffs the installed files of a set against other files (a staged or a fetched version). */
export async function diffAgainst(
  engine: Engine,
  manifest: Manifest,
  after: SetFile[],
  to: { commit?: string; version?: string },
): Promise<DiffResult> {
  const name = manifest.name;
  const before = await loadSetFiles(engine.paths, name);
  const changes = fileChanges(before, after);
  const a = new Map(before.map((f) => [f.name, f.text]));
  const b = new Map(after.map((f) => [f.name, f.text]));
  const files: FileDiff[] = [
    ...changes.added.map((n) => ({
      name: n,
      status: "added" as const,
      diff: unifiedDiff("", b.get(n)!, "/dev/null", `b/${n}`),
    })),
    ...changes.removed.map((n) => ({
      name: n,
      status: "removed" as const,
      diff: unifiedDiff(a.get(n)!, "", `a/${n}`, "/dev/null"),
    })),
    ...changes.changed.map((n) => ({
      name: n,
      status: "changed" as const,
      diff: unifiedDiff(a.get(n)!, b.get(n)!, `a/${n}`, `b/${n}`),
    })),
  ].sort((x, y) => x.name.localeCompare(y.name));
  return {
    name,
    from: {
      ...(manifest.source.commit ? { commit: manifest.source.commit } : {}),
      ...(manifest.version ? { version: manifest.version } : {}),
    },
    to,
    files,
    summary: summarize(before, after),
    drift: await drift(manifest),
  };
}

function colorLine(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return paint("1", line);
  if (line.startsWith("@@")) return paint("36", line);
  if (line.startsWith("+")) return paint("32", line);
  if (line.startsWith("-")) return paint("31", line);
  return line;
}

/** The text `leger diff` prints (and the update workflow shows). */
export function formatDiff(d: DiffResult, options: { color?: boolean } = {}): string {
  const ver = (x: { commit?: string; version?: string }) =>
    [x.version ? `version ${x.version}` : "", x.commit ? x.commit.slice(0, 12) : ""].filter(Boolean).join(" ") ||
    "(local files)";
  const out: string[] = [`${d.name}: ${ver(d.from)} -> ${ver(d.to)}`, ""];
  for (const f of d.files) {
    out.push(...f.diff.trimEnd().split("\n").map((l) => (options.color ? colorLine(l) : l)));
  }
  const s = d.summary;
  // A handful per kind, then a count: --json and DiffResult keep every item.
  const list = (label: string, items: string[]) => (items.length ? [`  ${label}: ${boundedList(items)}`] : []);
  const risk = (text: string) => (options.color ? paint("31", text) : text);
  out.push(
    "",
    "Summary:",
    ...s.risksAdded.map((r) => risk(`  NEW RISK ${r}`)),
    ...list("risks gone", s.risksRemoved),
    ...s.images.slice(0, NAMED_IN_SUMMARY).map((i) =>
      `  image ${i.file}: ${i.from ?? "(none)"} -> ${i.to ?? "(none)"}`
    ),
    ...(s.images.length > NAMED_IN_SUMMARY ? [`  … and ${s.images.length - NAMED_IN_SUMMARY} more image changes`] : []),
    ...list("ports added", s.portsAdded),
    ...list("ports removed", s.portsRemoved),
    ...list("environment added", s.envAdded),
    ...list("environment removed", s.envRemoved),
    ...list("environment changed", s.envChanged),
    ...list("secrets added", s.secretsAdded),
    ...list("secrets removed", s.secretsRemoved),
    ...list("volumes added", s.volumesAdded),
    ...list("volumes removed (data is kept)", s.volumesRemoved),
    ...list("units to restart", s.units.restart),
    ...list("units to start", s.units.start),
    ...list("units to stop", s.units.stop),
  );
  if (out[out.length - 1] === "Summary:") {
    out.push("  no change to images, ports, environment, secrets, volumes, risks or units");
  }
  if (d.drift.length) {
    out.push(
      "",
      "Installed files changed by hand (apply refuses without --overwrite-edits; they would be overwritten):",
    );
    out.push(...d.drift.slice(0, NAMED_IN_SUMMARY).map((x) => `  ${x.name}: ${x.change}`));
    if (d.drift.length > NAMED_IN_SUMMARY) out.push(`  … and ${d.drift.length - NAMED_IN_SUMMARY} more`);
  }
  return out.join("\n");
}
