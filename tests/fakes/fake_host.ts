/**
 * A fake Linux host for leger's tests: podman, systemctl and journalctl
 * that behave like the real ones (messages, exit codes, JSON shapes of
 * podman 5.8.6 and systemd, see shared/design/PODMAN-QUADLET.md) over a
 * simulated host kept in a folder: a real quadlet folder, units generated
 * at daemon-reload, unit states with their own clock, a journal, images,
 * volumes with real data folders, and secrets.
 *
 * In-process: `createShell({ fakes: host.fakes() })`. As programs:
 * `PATH=tests/fakes/bin:$PATH LEGER_FAKE_HOST=<host.dir>` (see
 * {@linkcode FakeHost.env}); both read and write the same state folder.
 * While the test runs, the programs ask the test's process over a
 * loopback port (fake_host_serve.ts); without it, each runs a Deno.
 *
 * @example
 * ```ts
 * const host = await FakeHost.create({ images: ["docker.io/library/nginx:latest"] });
 * const engine = await createEngine({ scope: "user", $: createShell({ fakes: host.fakes() }), log: memoryLogger(), env: host.env() });
 * // ... run leger operations ...
 * assert.equal(host.unit("web.service").active, "active");
 * await host.cleanup();
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeCommand } from "../../lib/host/shell.ts";
import { withShell } from "./fake_shell.ts";
import { normalizeImage } from "./fake_host_ini.ts";
import { busctl } from "./systemd/busctl.ts";
import { podman } from "./podman/podman.ts";
import { serveTools, type ToolServer } from "./fake_host_serve.ts";
import {
  type CallRecord,
  type ContainerRecord,
  type HostState,
  peek,
  stateFile,
  transact,
  type VolumeRecord,
} from "./fake_host_state.ts";
import { advance, advanceUnit } from "./systemd/units.ts";
import { type Answer, type Ctx, log } from "./fake_host_state.ts";
import { journalctl, systemctl } from "./systemd/systemctl.ts";
import { lookup } from "./systemd/generator.ts";

/** What a fake command receives (the shape of lib/host/shell.ts's FakeCall). */
export interface HostCall {
  args: string[];
  stdin: Uint8Array;
  env: Record<string, string>;
  cwd: string;
}

/** A fake command (the shape of lib/host/shell.ts's FakeCommand). */
export type HostCommand = (call: HostCall) => Answer;

/**
 * `podman volume import NAME FILE` reads FILE as podman does, but without
 * holding the test's thread: the file is read here, asynchronously (a FIFO
 * waits for its writer, which may be a process this thread still has to
 * start), and handed to the host as standard input (`-`).
 */
async function readFileArgument(call: HostCall): Promise<HostCall> {
  const [group, sub, ...operands] = call.args;
  // leger puts `--` before the operands (lib/core/argv.ts); podman takes them either way.
  const dashes = operands[0] === "--";
  const [name, file, ...rest] = dashes ? operands.slice(1) : operands;
  if (group !== "volume" || sub !== "import" || file === undefined || file === "-" || rest.length) return call;
  try {
    const args = ["volume", "import", ...(dashes ? ["--"] : []), name!, "-"];
    return { ...call, args, stdin: await Deno.readFile(file) };
  } catch {
    return call; // the host answers as podman does for a file it cannot open
  }
}

/** Options of {@linkcode FakeHost.create}. */
export interface FakeHostOptions {
  /** podman version: "5.8.6" (native), "5.4.2" (no `podman quadlet`), "4.3.1" (no quadlet at all). */
  podmanVersion?: string;
  /** Images already in the local store. */
  images?: string[];
  /** Images a pull can fetch; any other pull fails as unreachable. */
  registry?: string[];
  /** Rootless (`systemctl --user`, the default) or root. */
  scope?: "user" | "system";
  /** How long a crashing container stays up before it exits (ms, default 300). */
  crashAfterMs?: number;
}

/** The state of a unit as systemd shows it. */
export interface FakeUnitState {
  name: string;
  active: string;
  sub: string;
  result: string;
  nRestarts: number;
  load: "loaded" | "not-found";
  /** FreezerState (`systemctl freeze`). */
  freezer: "running" | "frozen";
  /** Quadlet file the unit was generated from. */
  source?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** The fake host. */
export class FakeHost {
  /** Folder holding state.json (what LEGER_FAKE_HOST names). */
  readonly dir: string;
  /** Temporary root holding everything (home, quadlets, volumes). */
  readonly root: string;
  #server: ToolServer | undefined;

  private constructor(root: string) {
    this.root = root;
    this.dir = join(root, "fakehost");
  }

  /** Makes a host in a new temporary folder. */
  static async create(options: FakeHostOptions = {}): Promise<FakeHost> {
    const root = await Deno.makeTempDir({ prefix: "leger-fakehost-" });
    const host = new FakeHost(root);
    const home = join(root, "home");
    const scope = options.scope ?? "user";
    const quadletDir = scope === "user"
      ? join(home, ".config/containers/systemd")
      : join(root, "etc/containers/systemd");
    await Deno.mkdir(host.dir, { recursive: true });
    await Deno.mkdir(quadletDir, { recursive: true });
    const state: HostState = {
      schema: 1,
      scope,
      podmanVersion: options.podmanVersion ?? "5.8.6",
      quadletDir,
      volumeRoot: join(home, ".local/share/containers/storage/volumes"),
      images: (options.images ?? []).map(normalizeImage),
      registry: (options.registry ?? []).map(normalizeImage),
      crashAfterMs: options.crashAfterMs ?? 300,
      crashUnits: [],
      units: {},
      journal: [],
      volumes: {},
      networks: {},
      secrets: {},
      containers: {},
      generatorErrors: [],
      calls: [],
      nextPid: 2000,
      reloads: 0,
    };
    await Deno.writeTextFile(stateFile(host.dir), JSON.stringify(state));
    return host;
  }

  /** Opens a host whose state folder exists (what the bin/ scripts do). */
  static open(dir: string): FakeHost {
    const host = new FakeHost(dirname(dir));
    Deno.statSync(stateFile(dir));
    return host;
  }

  /** Runs one command of a tool against the state; what both the fakes and bin/ call. */
  run(tool: string, call: HostCall): Answer {
    return transact(this.dir, (state) => {
      state.calls.push({ tool, args: [...call.args], stdinLength: call.stdin.length, t: Date.now() });
      const ctx: Ctx = { state, now: Date.now() };
      advance(ctx);
      switch (tool) {
        case "podman":
          return podman(ctx, call.args, call.stdin);
        case "systemctl":
          return systemctl(ctx, call.args);
        case "journalctl":
          return journalctl(ctx, call.args);
        case "busctl":
          return busctl(ctx, call.args);
        default:
          return { code: 127, stderr: `${tool}: command not found\n` };
      }
    });
  }

  /**
   * The fake commands for `createShell({ fakes })`, and an `sh` that starts
   * them as a real shell starts programs (tests/fakes/fake_shell.ts).
   */
  fakes(): Record<"podman" | "systemctl" | "journalctl" | "sh", FakeCommand> {
    return withShell({
      podman: async (call: HostCall) => this.run("podman", await readFileArgument(call)),
      systemctl: (call: HostCall) => this.run("systemctl", call),
      journalctl: (call: HostCall) => this.run("journalctl", call),
    });
  }

  /** Folder of the `podman`/`systemctl`/`journalctl` scripts. */
  static get binDir(): string {
    return join(HERE, "bin");
  }

  /** The quadlet folder (what LEGER_QUADLET_DIR is). */
  get quadletDir(): string {
    return this.read((s) => s.quadletDir);
  }

  /** HOME of the simulated user. */
  get home(): string {
    return join(this.root, "home");
  }

  /**
   * Environment for an engine (`createEngine({ env })`) or a leger
   * subprocess: leger's folders inside the host, LEGER_FAKE_HOST, a PATH
   * that finds the fake tools first, the port on which this process
   * answers them (served from the first call until {@linkcode cleanup}),
   * and this process's Deno for a script that runs one (`LEGER_DENO`):
   * whatever `deno` is on PATH, if any, may be another.
   */
  env(): Record<string, string> {
    const home = this.home;
    this.#server ??= serveTools((tool, call) => this.run(tool, call));
    return {
      HOME: home,
      USER: "alice",
      LEGER_CONFIG_DIR: join(home, ".config/leger"),
      LEGER_STATE_DIR: join(home, ".local/share/leger"),
      LEGER_CACHE_DIR: join(home, ".cache/leger"),
      LEGER_QUADLET_DIR: this.quadletDir,
      LEGER_RUNTIME_DIR: join(this.root, "run/leger"),
      XDG_RUNTIME_DIR: join(this.root, "run"),
      LEGER_FAKE_HOST: this.dir,
      LEGER_FAKE_HOST_PORT: String(this.#server.port),
      LEGER_DENO: Deno.execPath(),
      PATH: `${FakeHost.binDir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    };
  }

  private read<T>(fn: (s: HostState) => T): T {
    return peek(this.dir, fn);
  }

  private change<T>(fn: (s: HostState, ctx: Ctx) => T): T {
    return transact(this.dir, (state) => {
      const ctx: Ctx = { state, now: Date.now() };
      advance(ctx);
      return fn(state, ctx);
    });
  }

  /** Puts an image in the local store. */
  addImage(name: string): void {
    this.change((s) => {
      const n = normalizeImage(name);
      if (!s.images.includes(n)) s.images.push(n);
    });
  }

  /** Images in the local store (normalised names). */
  images(): string[] {
    return this.read((s) => [...s.images]);
  }

  /** Changes the podman version (e.g. an upgrade between two runs). */
  setPodmanVersion(version: string): void {
    this.change((s) => void (s.podmanVersion = version));
  }

  /** Makes a unit's container exit a moment after every start, whatever its config. */
  crashUnit(name: string): void {
    this.change((s) => void (s.crashUnits.includes(name) || s.crashUnits.push(name)));
  }

  /** The state of a unit, as `systemctl show` would give it. */
  unit(name: string): FakeUnitState {
    return this.change((_s, ctx) => {
      const u = lookup(ctx, name);
      if (u) advanceUnit(ctx, u);
      return {
        name,
        active: u?.active ?? "inactive",
        sub: u?.sub ?? "dead",
        result: u?.result ?? "success",
        nRestarts: u?.nRestarts ?? 0,
        load: u?.def ? "loaded" : "not-found",
        freezer: u?.frozen ? "frozen" : "running",
        ...(u?.source ? { source: u.source } : {}),
      };
    });
  }

  /** Names of every unit systemd knows (loaded or still running). */
  unitNames(): string[] {
    return this.read((s) => Object.keys(s.units).sort());
  }

  /** Journal lines of a unit (messages only). */
  journal(unit: string): string[] {
    return this.read((s) => s.journal.filter((r) => r.unit === unit).map((r) => r.msg));
  }

  /** Podman volumes by name. */
  volumes(): Record<string, VolumeRecord> {
    return this.read((s) => structuredClone(s.volumes));
  }

  /** Creates a podman volume with files in it (path -> content). */
  addVolume(name: string, files: Record<string, string> = {}): string {
    return this.change((s, ctx) => {
      const r = podman(ctx, ["volume", "create", "--ignore", name], new Uint8Array());
      if (r.code) throw new Error(r.stderr);
      const mp = s.volumes[name]!.mountpoint;
      for (const [p, text] of Object.entries(files)) {
        Deno.mkdirSync(dirname(join(mp, p)), { recursive: true });
        Deno.writeTextFileSync(join(mp, p), text);
      }
      return mp;
    });
  }

  /** Creates a podman secret (as `podman secret create NAME -` would). */
  addSecret(name: string, value: string): void {
    const r = this.run("podman", {
      args: ["secret", "create", "--replace", name, "-"],
      stdin: new TextEncoder().encode(value),
      env: {},
      cwd: "/",
    });
    if (r.code) throw new Error(r.stderr);
  }

  /** Names of the podman secrets. */
  secretNames(): string[] {
    return this.read((s) => Object.keys(s.secrets).sort());
  }

  /** A secret's value, for tests that check what leger stored (no command prints it). */
  secretValue(name: string): string | undefined {
    return this.read((s) => {
      const v = s.secrets[name]?.value;
      return v === undefined ? undefined : new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)));
    });
  }

  /** Running containers by name. */
  containers(): Record<string, ContainerRecord> {
    return this.read((s) => structuredClone(s.containers));
  }

  /** What the generator refused at the last daemon-reload. */
  generatorErrors(): string[] {
    return this.read((s) => [...s.generatorErrors]);
  }

  /** How many times systemd was reloaded. */
  get reloads(): number {
    return this.read((s) => s.reloads);
  }

  /** Every command run so far (stdin as a length only). */
  get calls(): CallRecord[] {
    return this.read((s) => s.calls);
  }

  /** Calls of one tool as argv strings, e.g. "quadlet install --reload-systemd=false /tmp/x/web". */
  callLines(tool: string): string[] {
    return this.calls.filter((c) => c.tool === tool).map((c) => c.args.join(" "));
  }

  /** Files in the quadlet folder, relative, sorted (hidden ones included). */
  quadletFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of Deno.readDirSync(dir)) {
        const name = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory) walk(join(dir, e.name), name);
        else out.push(name);
      }
    };
    walk(this.quadletDir, "");
    return out.sort();
  }

  /** Writes a journal line for a unit (e.g. what its container printed). */
  addJournal(unit: string, message: string): void {
    this.change((_s, ctx) => log(ctx, unit, "app[1]", message));
  }

  /** Stops answering the programs and removes the temporary folder. */
  async cleanup(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}
