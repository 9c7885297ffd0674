/**
 * What leger's operation tests share: a fake host with an engine bound to
 * it, and quadlet sets in real local git repositories.
 *
 * @module
 */
import { join } from "node:path";
import { createEngine, type Engine } from "../../lib/engine.ts";
import { type LogEvent, memoryLogger } from "../helpers/memory_logger.ts";
import { createShell, type ShellOptions } from "../../lib/host/shell.ts";
import { type FixtureCommit, makeRepo } from "../helpers/git_repo.ts";
import { FakeHost, type FakeHostOptions } from "./fake_host.ts";

/** The images the standard sets use. */
export const NGINX = "docker.io/library/nginx:1.27";
/** A second image. */
export const REDIS = "docker.io/library/redis:7";

/** A web server with a data volume and a published port. */
export const WEB_SET = {
  "web.container": `[Unit]
Description=Web server

[Container]
Image=${NGINX}
Volume=web-data.volume:/usr/share/nginx/html
PublishPort=8080:80

[Install]
WantedBy=default.target
`,
  "web-data.volume": "[Volume]\n",
  ".leger.yaml": "version: 1.0.0\n",
  "README.md": "not part of the set\n",
};

/** A cache with a named volume. */
export const CACHE_SET = {
  "cache.container": `[Container]
Image=${REDIS}
Volume=cache-data:/data
PublishPort=6379:6379
`,
};

/** A fake host, an engine bound to it, and the engine's log. */
export interface Bench {
  host: FakeHost;
  engine: Engine;
  log: ReturnType<typeof memoryLogger>;
  /** A second engine on the same host and state (another leger run). */
  another(): Promise<Engine>;
  /** Removes the host and its temporary folder. */
  cleanup(): Promise<void>;
}

/** Options of {@linkcode bench}. */
export interface BenchOptions extends FakeHostOptions {
  backend?: "auto" | "native" | "files";
}

/**
 * The fake host's clock, quicker than a real host's: a crashing container
 * exits {@linkcode BENCH_CRASH_MS} after it starts, and the health gate
 * wants units up for {@linkcode BENCH_SETTLE} (config `health-settle`; the
 * default, 1.2 s, is for podman on a loaded machine). The settle time stays
 * well above the crash time, so a crash always falls inside it: the fake's
 * clock plays events by their time, whenever the gate asks. The default
 * settle time itself is tested in lib/ops/health_test.ts; each gate waits
 * at least once, so these cut seconds off most operation tests.
 */
export const BENCH_CRASH_MS = 100;
/** See {@linkcode BENCH_CRASH_MS}. */
export const BENCH_SETTLE = "400ms";

/** An engine on `host` as a leger run makes it, with the bench's settle time unless config.yaml sets one. */
export async function benchEngine(
  host: FakeHost,
  fakes: ShellOptions["fakes"],
  log: ReturnType<typeof memoryLogger>,
  backend?: BenchOptions["backend"],
  path?: string,
): Promise<Engine> {
  const engine = await createEngine({
    scope: "user",
    $: createShell({ fakes, ...(path ? { env: { PATH: path } } : {}) }),
    log,
    env: host.env(),
    ...(backend ? { backend } : {}),
  });
  engine.config["health-settle"] ??= BENCH_SETTLE;
  return engine;
}

/** Makes a fake host (images: nginx and redis by default) and an engine on it. */
export async function bench(options: BenchOptions = {}): Promise<Bench> {
  const host = await FakeHost.create({ images: [NGINX, REDIS], crashAfterMs: BENCH_CRASH_MS, ...options });
  const make = (log: ReturnType<typeof memoryLogger>) => benchEngine(host, host.fakes(), log, options.backend);
  const log = memoryLogger();
  const engine = await make(log);
  return {
    host,
    engine,
    log,
    another: () => make(memoryLogger()),
    cleanup: () => host.cleanup(),
  };
}

/**
 * Makes a git repository inside the host's folder with the commits given,
 * each commit's files put under `apps/<folder>/`; returns its file:// URL
 * and the commit ids.
 */
export async function repoWith(
  host: FakeHost,
  commits: { folder: string; files: Record<string, string | null>; message?: string; tag?: string }[],
): Promise<{ url: string; ids: string[]; dir: string }> {
  const dir = join(host.root, `repo-${crypto.randomUUID().slice(0, 8)}`);
  const list: FixtureCommit[] = commits.map((c, i) => ({
    message: c.message ?? `commit ${i + 1}`,
    files: Object.fromEntries(Object.entries(c.files).map(([k, v]) => [`apps/${c.folder}/${k}`, v])),
    ...(c.tag ? { tag: c.tag } : {}),
  }));
  const ids = await makeRepo(dir, list);
  return { url: `file://${dir}`, ids, dir };
}

/** Messages the engine logged at a level. */
export function logged(events: LogEvent[], level: LogEvent["level"]): string[] {
  return events.filter((e) => e.level === level).map((e) => e.message);
}
