/**
 * Workflows: TypeScript files whose default export leger calls with a
 * {@linkcode WorkflowContext}. The built-in ones (workflows/, handed in
 * by the commands as {@linkcode Builtins}) are found by name; a file of the
 * same name in the user's workflow folder wins.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { toFileUrl } from "../core/url.ts";
import type { Engine } from "../engine.ts";
import { LegerError, NotFoundError, UsageError } from "../core/errors.ts";
import { ask } from "../core/escape.ts";
import { exists } from "../core/fs.ts";
import type { Leger } from "../leger_api.ts";
import type { Logger } from "../core/log.ts";
import type { Scope } from "../core/paths.ts";
import { run, type RunResult, type Shell } from "../host/shell.ts";
import type { Systemd } from "../host/systemd.ts";
import type { UpdateEvent } from "../gitops/updater.ts";

/** What a workflow's default export receives. */
export interface WorkflowContext {
  /** The dax shell (`$\`podman ps\``); fakeable in tests. */
  $: Shell;
  /** leger's operations, returning data. */
  leger: Leger;
  /** Runs podman with arguments verbatim; never throws on exit codes. */
  podman: (...args: string[]) => Promise<RunResult>;
  /** systemctl/journalctl for this scope. */
  systemd: Systemd;
  /** Progress and result output (JSON events under --json). */
  log: Logger;
  /** Positional arguments after the workflow name. */
  args: string[];
  /** `--key value` / `--flag` options after the workflow name. */
  flags: Record<string, string | boolean>;
  /** True under --dry-run: change nothing. */
  dryRun: boolean;
  /** True under --yes. */
  yes: boolean;
  /** The scope leger runs in. */
  scope: Scope;
  /** Asks the user; true at once under --yes; refuses without a terminal. */
  confirm(question: string): Promise<boolean>;
  /** For the daemon's update hooks (on-update.ts, on-rollback.ts, on-failure.ts): what happened. */
  event?: UpdateEvent;
}

/** A workflow module's shape. */
export interface WorkflowModule {
  /** The workflow itself. */
  default: (ctx: WorkflowContext) => unknown | Promise<unknown>;
  /** One line for `leger workflow list`. */
  description?: string;
}

/**
 * Built-in workflows by name: how to load each, and its source text (for
 * `leger workflow eject`). The commands layer holds the table
 * (commands/builtin_workflows.ts) and hands it in, so this module never
 * imports the workflows, which import the public API (mod.ts) built on it.
 */
export type Builtins = Readonly<Record<string, { load: () => Promise<WorkflowModule>; source: string }>>;

/** Where a workflow comes from. */
export interface WorkflowRef {
  name: string;
  kind: "builtin" | "user" | "file";
  /** File path or built-in URL. */
  location: string;
}

/** Finds a workflow by name (user folder first, then `builtins`) or by file path. */
export async function resolveWorkflow(engine: Engine, nameOrFile: string, builtins: Builtins): Promise<WorkflowRef> {
  if (nameOrFile.endsWith(".ts") || nameOrFile.includes("/")) {
    const path = isAbsolute(nameOrFile) ? nameOrFile : resolve(Deno.cwd(), nameOrFile);
    if (!(await exists(path))) throw new NotFoundError(`Cannot find the workflow file ${path}`);
    return { name: nameOrFile, kind: "file", location: path };
  }
  const user = join(engine.paths.workflowDir, `${nameOrFile}.ts`);
  if (await exists(user)) return { name: nameOrFile, kind: "user", location: user };
  if (Object.hasOwn(builtins, nameOrFile)) {
    return { name: nameOrFile, kind: "builtin", location: `(built in) ${nameOrFile}` };
  }
  throw new NotFoundError(
    `Cannot find a workflow named "${nameOrFile}"`,
    `Built-in: ${Object.keys(builtins).join(", ")}; yours live in ${engine.paths.workflowDir}.`,
  );
}

/** Loads a workflow module (a built-in from `builtins`) and checks it has a default function. */
export async function loadWorkflow(ref: WorkflowRef, builtins: Builtins): Promise<WorkflowModule> {
  let mod: WorkflowModule;
  try {
    mod = ref.kind === "builtin"
      ? await builtins[ref.name]!.load()
      : await import(toFileUrl(ref.location)) as WorkflowModule;
  } catch (error) {
    throw new LegerError(`Cannot load the workflow ${ref.location}: ${(error as Error).message}`, {
      cause: error,
      hint: "A workflow file may only use `import type` from leger; check its syntax with deno check.",
    });
  }
  if (typeof mod.default !== "function") {
    throw new UsageError(
      `Cannot run ${ref.location}: it has no default export function`,
      "Write `export default async function (ctx) { ... }`.",
    );
  }
  return mod;
}

/** Splits workflow arguments into positionals and `--flags`. */
export function parseWorkflowArgs(argv: string[]): { args: string[]; flags: Record<string, string | boolean> } {
  const args: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) args.push(a);
    else if (m[2] !== undefined) flags[m[1]!] = m[2];
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) flags[m[1]!] = argv[++i]!;
    else flags[m[1]!] = true;
  }
  return { args, flags };
}

/** Options of {@linkcode runWorkflow}. */
export interface RunWorkflowOptions {
  engine: Engine;
  leger: Leger;
  /** The built-in workflows a `builtin` ref names. */
  builtins: Builtins;
  /** Raw arguments (parsed into args and flags)... */
  argv?: string[];
  /** ...or already parsed ones. */
  args?: string[];
  flags?: Record<string, string | boolean>;
  dryRun?: boolean;
  yes?: boolean;
  /** Overrides how questions are asked (tests). */
  ask?: (question: string) => Promise<boolean>;
  /** The update event a hook runs for. */
  event?: UpdateEvent;
}

/** Runs a workflow; returns what its default export returned. */
export async function runWorkflow(ref: WorkflowRef, options: RunWorkflowOptions): Promise<unknown> {
  const mod = await loadWorkflow(ref, options.builtins);
  const { engine } = options;
  const parsed = parseWorkflowArgs(options.argv ?? []);
  const args = options.args ?? parsed.args;
  const flags = options.flags ?? parsed.flags;
  const ctx: WorkflowContext = {
    $: engine.$,
    leger: options.leger,
    podman: (...a) => run(engine.$, ["podman", ...a]),
    systemd: engine.systemd,
    log: engine.log,
    args,
    flags,
    dryRun: options.dryRun ?? false,
    yes: options.yes ?? false,
    scope: engine.scope,
    ...(options.event ? { event: options.event } : {}),
    confirm: async (question) => {
      if (options.yes) return true;
      if (options.ask) return await options.ask(question);
      if (!Deno.stdin.isTerminal()) {
        throw new UsageError(`Cannot ask "${question}": there is no terminal`, "Pass --yes to answer yes in scripts.");
      }
      return ask(question);
    },
  };
  return await mod.default(ctx);
}

/** Workflows there are: built-in and the user's. */
export async function listWorkflows(
  engine: Engine,
  builtins: Builtins,
): Promise<Array<WorkflowRef & { description: string; overrides: boolean }>> {
  const out: Array<WorkflowRef & { description: string; overrides: boolean }> = [];
  const user = new Set<string>();
  try {
    for await (const e of Deno.readDir(engine.paths.workflowDir)) {
      // Declarations (leger.d.ts, written by eject) are not workflows.
      if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) user.add(e.name.slice(0, -3));
    }
  } catch { /* no user folder */ }
  for (const [name, b] of Object.entries(builtins)) {
    const mod = await b.load();
    out.push({
      name,
      kind: "builtin",
      location: `(built in) ${name}`,
      description: mod.description ?? "",
      overrides: false,
    });
  }
  for (const name of [...user].sort()) {
    const location = join(engine.paths.workflowDir, `${name}.ts`);
    let description = "";
    try {
      const text = await Deno.readTextFile(location);
      description = /export const description\s*=\s*["'`](.*)["'`]/.exec(text)?.[1] ?? "";
    } catch { /* unreadable: listed without description */ }
    out.push({ name, kind: "user", location, description, overrides: Object.hasOwn(builtins, name) });
  }
  return out;
}
