/**
 * `leger import compose`: a Compose file becomes a quadlet set folder that
 * leger installs as it is. Interpolation first (the importer's environment,
 * then `.env` or `--env-file`), then the top-level declarations, the
 * services the chosen profiles select, their dependencies, `.leger.yaml`;
 * the result is validated as `leger validate` does, and written
 * atomically only when nothing is an error (nor, with `strict`, a warning).
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { stringify } from "yaml";
import { ExitCode, LegerError, NotFoundError } from "../core/errors.ts";
import { validateSet } from "../quadlet/validate.ts";
import type { Ctx } from "./context.ts";
import { mapDepends } from "./depends.ts";
import { interpolate, type Lookup, parseDotenv, TemplateError } from "./interpolate.ts";
import { mapService } from "./service/map.ts";
import { mapConfigs, mapNetworks, mapSecrets, mapVolumes } from "./top.ts";
import { type MapNode, parseTree, readComposeText, str } from "./tree.ts";
import { type Finding, ImportLog, type Mapped } from "./unit_file.ts";
import { checkOut, type OutFile, writeSet } from "./write.ts";
import { LATEST_PODMAN } from "../quadlet/keys.ts";

/** Options of an import. */
export interface ImportComposeOptions {
  /** Where the set goes (default: NAME-set in the current folder). */
  out?: string;
  /** The set's name (default: the Compose project's). */
  name?: string;
  /** Variables for interpolation instead of the `.env` beside the file. */
  envFile?: string;
  /** Profiles to enable (also `COMPOSE_PROFILES`). */
  profiles?: string[];
  /** Refuse on warnings too. */
  strict?: boolean;
  /** Podman version the set is written for (default: the newest leger knows). */
  podmanVersion?: string;
  /** Declare file secrets in `.leger.yaml` as Setec secrets under this prefix. */
  setecPrefix?: string;
  /** Replace an existing `--out` folder. */
  replace?: boolean;
  /** Report only; write nothing. */
  dryRun?: boolean;
  /** The importer's environment (Compose reads it before `.env`). */
  env?: Record<string, string>;
}

/** What an import did. */
export interface ImportComposeResult {
  ok: boolean;
  written: boolean;
  file: string;
  project: string;
  name: string;
  out: string;
  podman: { target: string; needs: string };
  services: Array<{ name: string; unit: string }>;
  leftOut: Array<{ name: string; profiles: string[] }>;
  files: string[];
  todo: string[];
  errors: number;
  warnings: number;
  findings: Finding[];
  mapped: Mapped[];
}

const COMPOSE_FILES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
const TOP_KEYS = new Set(["version", "name", "services", "networks", "volumes", "secrets", "configs"]);

async function findFile(path: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    throw new NotFoundError(`Cannot import ${path}: no such file or folder`);
  }
  if (!info.isDirectory) return resolve(path);
  for (const name of COMPOSE_FILES) {
    try {
      if ((await Deno.stat(join(path, name))).isFile) return resolve(path, name);
    } catch { /* next */ }
  }
  throw new NotFoundError(`Cannot import ${path}: it holds none of ${COMPOSE_FILES.join(", ")}`);
}

/** Compose's project name rules: lower case letters, digits, `_` and `-`, starting with a letter or digit. */
function projectName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[^a-z0-9]+/, "");
}

async function readEnvFile(path: string, outer: Lookup, shown: string, log: ImportLog): Promise<Map<string, string>> {
  const parsed = parseDotenv(await readComposeText(path, shown), outer);
  for (const p of parsed.problems) log.add("error", p.line, "env", p.message, undefined, shown);
  return parsed.values;
}

/** Imports a Compose file (or the one in a folder). */
export async function importCompose(path: string, options: ImportComposeOptions = {}): Promise<ImportComposeResult> {
  const file = await findFile(path);
  const dir = Deno.realPathSync(dirname(file));
  const shown = basename(file);
  const target = options.podmanVersion ?? LATEST_PODMAN;
  const log = new ImportLog(shown, target);
  const processEnv = options.env ?? {};
  for (
    const other of [
      "compose.override.yaml",
      "compose.override.yml",
      "docker-compose.override.yml",
      "docker-compose.override.yaml",
    ]
  ) {
    try {
      if ((await Deno.stat(join(dir, other))).isFile) {
        log.warn(
          1,
          other,
          `${other} is not merged: the import reads ${shown} alone`,
          `merge what you need into ${shown}`,
        );
      }
    } catch { /* none */ }
  }
  // Variables: the importer's environment wins over the env file, as in Compose.
  let fileEnv = new Map<string, string>();
  const outer: Lookup = (n) => processEnv[n];
  if (options.envFile) {
    const envPath = resolve(options.envFile);
    try {
      await Deno.stat(envPath);
    } catch {
      throw new NotFoundError(`Cannot read --env-file ${options.envFile}: no such file`);
    }
    fileEnv = await readEnvFile(envPath, outer, options.envFile, log);
  } else {
    try {
      if ((await Deno.stat(join(dir, ".env"))).isFile) {
        fileEnv = await readEnvFile(join(dir, ".env"), outer, ".env", log);
      }
    } catch { /* no .env */ }
  }
  const env: Lookup = (n) => processEnv[n] ?? fileEnv.get(n);
  const unset = new Map<string, number>();
  const root: MapNode = parseTree(await readComposeText(file, shown), shown, (value, line) => {
    try {
      return interpolate(value, env, (name) => unset.has(name) || unset.set(name, line));
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      log.error(
        line,
        e.variable ?? "",
        e.message,
        e.variable ? `set ${e.variable} in the environment or in .env` : "write a literal $ as $$",
      );
      return "";
    }
  });
  for (const [name, line] of unset) {
    log.warn(
      line,
      name,
      `variable ${name} is not set and has no default: an empty string is used`,
      `set ${name} in the environment or in .env, or write \${${name}:-default}`,
    );
  }
  for (const [k, v] of root.entries) {
    if (k === "version") log.info(v.line, k, "version is obsolete in the Compose specification: ignored");
    else if (k.startsWith("x-")) {
      log.info(v.line, k, "an extension field: ignored (its anchors are used where referenced)");
    } else if (k === "include") {
      log.error(v.line, k, "include is not followed by the import", "import each file, or merge them into one");
    } else if (!TOP_KEYS.has(k)) log.error(v.line, k, `unknown top-level key ${k}`);
  }
  const project = projectName(str(root.entries.get("name")) ?? env("COMPOSE_PROJECT_NAME") ?? basename(dir));
  const name = options.name ?? project;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new LegerError(`Cannot import ${shown}: ${JSON.stringify(name)} is not a set name`, {
      exitCode: ExitCode.usage,
      hint: "Give --name with letters, digits, _ . and -.",
    });
  }
  const out = options.out ?? `${name}-set`;
  if (!options.dryRun) await checkOut(out, options.replace === true);
  const ctx: Ctx = {
    log,
    dir,
    project: project || name,
    set: name,
    env,
    volumes: new Map(),
    networks: new Map(),
    secrets: new Map(),
    configs: new Map(),
    services: new Map(),
    units: [],
    files: new Map(),
    todo: [],
    legerSecrets: [],
    ...(options.setecPrefix ? { setecPrefix: options.setecPrefix.replace(/\/+$/, "") } : {}),
  };
  mapVolumes(ctx, root.entries.get("volumes"));
  mapNetworks(ctx, root.entries.get("networks"));
  mapSecrets(ctx, root.entries.get("secrets"));
  await mapConfigs(ctx, root.entries.get("configs"));

  const services = root.entries.get("services");
  if (services?.kind !== "map" || services.entries.size === 0) {
    log.error(services?.line ?? 1, "services", "a Compose file needs services:");
  }
  const profiles = new Set([
    ...(options.profiles ?? []),
    ...(env("COMPOSE_PROFILES") ?? "").split(",").filter(Boolean),
  ]);
  const leftOut: ImportComposeResult["leftOut"] = [];
  for (const [svc, node] of services?.kind === "map" ? services.entries : []) {
    if (node.kind !== "map") {
      log.error(node.line, `services.${svc}`, "a service is a mapping");
      continue;
    }
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(svc)) {
      log.error(node.line, `services.${svc}`, "a service name uses letters, digits, _ . and -");
      continue;
    }
    const own = node.entries.get("profiles");
    const theirs = own?.kind === "seq" ? own.items.map((i) => str(i) ?? "") : [];
    if (theirs.length && !profiles.has("*") && !theirs.some((p) => profiles.has(p))) {
      leftOut.push({ name: svc, profiles: theirs });
      log.info(node.line, `services.${svc}.profiles`, `left out: its profiles (${theirs.join(", ")}) are not chosen`);
      continue;
    }
    await mapService(ctx, svc, node);
  }
  mapDepends(ctx, new Set(leftOut.map((l) => l.name)));

  const header = `imported by leger import compose from ${shown} (Compose project ${ctx.project}); edit freely`;
  const files: OutFile[] = [
    ...ctx.units.map((u) => ({ name: u.name, text: u.text(header), mode: 0o644 })),
    ...[...ctx.files].map(([n, f]) => ({ name: n, text: f.text, mode: f.mode })),
  ];
  const meta: Record<string, unknown> = {
    name,
    description: `Compose project ${ctx.project}: ${[...ctx.services.keys()].join(", ") || "no services"}`,
    podman: [`>=${log.needs}`],
  };
  if (ctx.legerSecrets.length) {
    meta.secrets = ctx.legerSecrets.map((s) => ({ name: s.name, "podman-secret": s.podman }));
  }
  files.push({ name: ".leger.yaml", text: `# ${header}\n${stringify(meta)}`, mode: 0o644 });
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // Validated only when the mapping found no error: half-mapped units would only add noise.
  if (!log.findings.some((f) => f.severity === "error")) await checkOutput(ctx, files, target, options.strict === true);
  const errors = log.findings.filter((f) => f.severity === "error").length;
  const warnings = log.findings.filter((f) => f.severity === "warning").length;
  const ok = errors === 0 && (!options.strict || warnings === 0);
  if (ok && !options.dryRun) await writeSet(out, files, options.replace === true);
  return {
    ok,
    written: ok && !options.dryRun,
    file: relative(Deno.cwd(), file) || shown,
    project: ctx.project,
    name,
    out,
    podman: { target, needs: log.needs },
    services: [...ctx.services].map(([n, d]) => ({ name: n, unit: d.unit.name })),
    leftOut,
    files: files.map((f) => f.name),
    todo: ctx.todo,
    errors,
    warnings,
    findings: log.findings,
    mapped: log.mapped,
  };
}

/** The podman secrets the steps of a report create or require. */
export function secretsOf(todo: readonly string[]): Set<string> {
  return new Set(todo.flatMap((t) => /podman secret (?:create|exists) (\S+)/.exec(t)?.[1] ?? []));
}

/** Validates the output as `leger validate` would; what it finds is the importer's to report. */
async function checkOutput(ctx: Ctx, files: OutFile[], target: string, strict: boolean): Promise<void> {
  const pending = secretsOf(ctx.todo);
  const report = await validateSet(files.map((f) => ({ name: f.name, text: f.text })), {
    setName: ctx.set,
    rootless: true,
    podmanVersion: target,
    strict,
  });
  for (const d of report.diagnostics) {
    if (d.severity === "info") continue;
    if (d.code.startsWith("secret/") && [...pending].some((p) => d.message.includes(p))) continue;
    ctx.log.add(d.severity, d.line, d.key ?? d.code, `${d.code}: ${d.message}`, d.fix, d.file);
  }
}
