/**
 * Folds the verdict of podman's own generator into a report: the set is
 * written to a temporary folder, `QUADLET_UNIT_DIRS=<dir> quadlet -dryrun`
 * runs through the host probe, and each line podman prints on stderr is
 * mapped back to a file and line. Whenever the generator refuses a file
 * leger found nothing wrong with (or the other way round for the checks
 * the generator also makes), a `leger/disagreement` warning says so: that
 * is a bug of leger's.
 *
 * @module
 */
import type { Diagnostic, HostProbe } from "./diagnostic.ts";
import { quadletKind, type SetFile } from "./kinds.ts";
import { entriesOf, type UnitEntry } from "./parse.ts";
import type { LoadedSet } from "./set.ts";

/** One problem podman's generator printed. */
export interface GeneratorMessage {
  /** File name (no folder) the message is about, if any. */
  file?: string;
  /** Error or warning. */
  severity: "error" | "warning";
  /** The message without prefixes. */
  message: string;
}

/** Codes of leger checks that the generator makes too (an error of these means the generator must fail). */
export const GENERATOR_CODES = new Set([
  "syntax/bad-section",
  "syntax/not-key-value",
  "syntax/empty-key",
  "syntax/outside-section",
  "key/unknown",
  "required/image",
  "required/yaml",
  "required/image-tag",
  "required/build-context",
  "required/working-directory",
  "required/file",
  "required/artifact",
  "required/subnet",
  "required/device",
  "required/user",
  "required/remap-users",
  "conflict/image-rootfs",
  "conflict/reload",
  "conflict/remap",
  "conflict/gateway",
  "conflict/ip-range",
  "conflict/working-directory",
  "ref/missing-network",
  "ref/missing-container",
  "ref/missing-volume",
  "ref/missing-pod",
  "ref/missing-image",
  "ref/missing-unit",
  "ref/pod-not-quadlet",
  "ref/network-options",
  "ref/unresolvable-name",
  "service/kill-mode",
  "service/type",
  "value/expose-format",
  "value/working-directory",
  "value/remap-users",
]);

const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** Parses the generator's stderr into messages (debug output is skipped). */
export function parseGeneratorOutput(stderr: string, dir: string): GeneratorMessage[] {
  const out: GeneratorMessage[] = [];
  const rel = (p: string) => (p.startsWith(dir + "/") ? p.slice(dir.length + 1) : base(p));
  for (const raw of stderr.split("\n")) {
    const line = raw.replace(/^quadlet-generator\[\d+\]:\s*/, "").trim();
    if (line === "") continue;
    let m = /^converting "([^"]+)": (.*)$/.exec(line);
    if (m) {
      out.push({ file: m[1]!, severity: "error", message: m[2]!.replace(/ in \/\S+$/, "") });
      continue;
    }
    m = /^error loading "([^"]+)", (.*)$/.exec(line);
    if (m) {
      out.push({ file: rel(m[1]!), severity: "error", message: m[2]! });
      continue;
    }
    m = /^Warning: (\S+) specifies the image "([^"]*)"/.exec(line);
    if (m) {
      out.push({
        file: m[1]!,
        severity: "warning",
        message: `the image "${m[2]}" is not a fully qualified image name`,
      });
      continue;
    }
    if (/^Warning: /.test(line)) {
      out.push({ severity: "warning", message: line.slice(9) });
      continue;
    }
    if (/^(Unsupported file type|Error obtaining service name|error reading directory)/.test(line)) {
      out.push({ severity: "error", message: line });
    }
  }
  return out;
}

function locate(
  set: LoadedSet,
  file: string,
  message: string,
): { file: string; line: number; column: number; key?: string } {
  const unit = set.units.get(file);
  const fallback = { file, line: 1, column: 1 };
  const lineNo = /contains line (\d+)/.exec(message);
  if (lineNo) return { file, line: Number(lineNo[1]), column: 1 };
  if (!unit) return fallback;
  const all: UnitEntry[] = unit.merged.sections.flatMap((s) => s.entries);
  const pos = (e: UnitEntry) => ({ file: e.file, line: e.line, column: e.column, key: e.key });
  const key = /unsupported key '([^']+)' in group '([^']+)'/.exec(message);
  if (key) {
    const e = entriesOf(unit.merged, key[2]!, key[1]!)[0];
    if (e) return pos(e);
  }
  const named = /(?:unit|source|image|pod unit|dependency for) (\S+?)(?: was not found| does not exist|$)/.exec(
    message,
  );
  if (named) {
    const e = all.find((x) => x.value.includes(named[1]!));
    if (e) return pos(e);
  }
  if (message.includes("fully qualified image name")) {
    const e = all.filter((x) => x.key === "Image").at(-1);
    if (e) return pos(e);
  }
  const quoted = /'([^']*)'/.exec(message);
  for (
    const k of [
      "KillMode",
      "Type",
      "Group",
      "ReloadSignal",
      "Rootfs",
      "SetWorkingDirectory",
      "File",
      "Gateway",
      "IPRange",
      "Options",
      "Device",
      "ExposeHostPort",
      "RemapUsers",
    ]
  ) {
    if (message.includes(k) || (quoted && all.some((x) => x.key === k && x.value === quoted[1]))) {
      const e = all.filter((x) => x.key === k).at(-1);
      if (e) return pos(e);
    }
  }
  const header = unit.own.sections.find((s) => s.name === unit.section);
  return header ? { file, line: header.line, column: 1 } : fallback;
}

/** Writes the set to a temporary folder, runs the generator and maps its messages; [] when the host has none. */
export async function foldGenerator(
  files: readonly SetFile[],
  set: LoadedSet,
  leger: readonly Diagnostic[],
  host: HostProbe,
  rootless: boolean,
): Promise<Diagnostic[]> {
  if (!host.generator) return [];
  const dir = await Deno.makeTempDir({ prefix: "leger-quadlet-" });
  try {
    for (const f of files) {
      const slash = f.name.indexOf("/");
      const top = slash < 0;
      if (top ? !quadletKind(f.name) : !set.dropins.has(f.name)) continue;
      if (!top) await Deno.mkdir(`${dir}/${f.name.slice(0, f.name.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${f.name}`, f.text);
    }
    const result = await host.generator(dir, rootless);
    if (!result) return [];
    return compare(set, leger, parseGeneratorOutput(result.stderr, dir), result.code);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Turns generator messages into diagnostics and adds `leger/disagreement` where the two differ. */
export function compare(
  set: LoadedSet,
  leger: readonly Diagnostic[],
  messages: GeneratorMessage[],
  code: number,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const filesOf = (unitFile: string) => [unitFile, ...(set.units.get(unitFile)?.dropins ?? [])];
  const failed = new Set<string>();
  for (const msg of messages) {
    if (!msg.file && msg.severity === "warning") {
      const key = /using key (\S+) in the Service group/.exec(msg.message)?.[1];
      const e = key ? [...set.units.values()].flatMap((u) => entriesOf(u.merged, "Service", key))[0] : undefined;
      if (e) {
        out.push({
          file: e.file,
          line: e.line,
          column: e.column,
          severity: "warning",
          code: "generator/warning",
          key: e.key,
          message: msg.message,
          source: "generator",
        });
      }
      continue;
    }
    const file = msg.file ?? [...set.units.keys()][0] ?? "";
    const where = locate(set, file, msg.message);
    out.push({
      ...where,
      severity: msg.severity,
      code: msg.severity === "error" ? "generator/error" : "generator/warning",
      message: msg.message,
      source: "generator",
    });
    if (msg.severity !== "error") continue;
    failed.add(file);
    const owner = [...set.units.values()].find((u) => u.file === file || u.dropins.includes(file))?.file ?? file;
    failed.add(owner);
    const agreed = leger.some((d) => d.severity === "error" && (filesOf(owner).includes(d.file) || d.file === file));
    if (!agreed) {
      out.push({
        ...where,
        severity: "warning",
        code: "leger/disagreement",
        message:
          `podman's generator refuses ${file} ("${msg.message}") but leger found no error there; this is a bug of leger's`,
        fix: "please report it with the file attached",
        source: "leger",
      });
    }
  }
  const generatorFailed = code !== 0;
  const disagreed = new Set<string>();
  for (const d of leger) {
    if (d.severity !== "error" || !GENERATOR_CODES.has(d.code)) continue;
    const owner = [...set.units.values()].find((u) => u.file === d.file || u.dropins.includes(d.file))?.file ?? d.file;
    if (failed.has(owner) || failed.has(d.file) || disagreed.has(owner) || (generatorFailed && messages.length === 0)) {
      continue;
    }
    out.push({
      file: d.file,
      line: d.line,
      column: d.column,
      severity: "warning",
      code: "leger/disagreement",
      message:
        `leger reports ${d.code} here but podman's generator accepts ${owner}; this is a bug of leger's (or the host's podman differs)`,
      fix: "please report it with the file attached",
      source: "leger",
    });
    disagreed.add(owner);
  }
  return out;
}
