/**
 * Shared pieces of the end-to-end tests: the booted host of this file (the
 * test runner's shared host of the suite, or one booted for this file and
 * stopped when its tests end), leger run inside it as root or as alice,
 * and quadlet sets that use the local test images.
 *
 * @module
 */
import assert from "node:assert/strict";
import { bootHost, hostAvailable } from "../host/host.ts";
import { type Suite, SUITES } from "../host/rootfs.ts";
import type { ExecResult, User } from "../host/guest_exec.ts";
import { Host, type HostHandle } from "../host/guest.ts";
import { prepareShared, SHARED_HOST_ENV } from "./shared_host.ts";

export type { Host, User };

let booted: Promise<Host> | undefined;

/**
 * The host this run of the end-to-end tier targets: the test runner runs
 * `tests/e2e/` once per suite with `LEGER_E2E_SUITE` set (sid: podman 5.8,
 * sid-podman6: podman 6.1, trixie: podman 5.4); default sid.
 */
export const E2E_SUITE: Suite = (() => {
  const s = Deno.env.get("LEGER_E2E_SUITE") ?? "sid";
  if (!SUITES.includes(s as Suite)) throw new Error(`LEGER_E2E_SUITE=${s}: expected one of ${SUITES.join(", ")}`);
  return s as Suite;
})();

/** The backends the suite under test runs: trixie's podman 5.4 has no `podman quadlet`. */
export const BACKENDS: ReadonlyArray<"native" | "files"> = E2E_SUITE === "trixie" ? ["files"] : ["native", "files"];

/**
 * The host under test for this file, with the git HTTP server running and
 * declared to leger as a self-hosted Gitea forge: the one the test runner
 * booted and reset for this file (`LEGER_E2E_HOST`), else one booted now,
 * once for the file.
 */
export function sharedHost(suite: Suite = E2E_SUITE): Promise<Host> {
  booted ??= (async () => {
    const handed = Deno.env.get(SHARED_HOST_ENV);
    if (handed) {
      const handle = JSON.parse(handed) as HostHandle;
      if (handle.suite !== suite) {
        throw new Error(`${SHARED_HOST_ENV} is a ${handle.suite} host; this file wants ${suite}`);
      }
      const host = Host.attach(handle);
      if (!host.alive()) throw new Error(`${SHARED_HOST_ENV}: the ${suite} host leger-${handle.id} is not running`);
      return host;
    }
    const ready = await hostAvailable();
    if (!ready.ok) throw new Error(`Cannot run end-to-end tests: missing ${ready.missing.join(", ")}`);
    const host = await bootHost({ suite });
    globalThis.addEventListener("unload", () => host.stopSync());
    await prepareShared(host);
    return host;
  })();
  return booted;
}

/** Options for one leger test: which user and scope. */
export interface Who {
  user: User;
  /** --scope system for root. */
  scope: "user" | "system";
  backend: "native" | "files";
}

/** The combinations the lifecycle runs with (on the suite under test). */
export const WHO: Who[] = ([
  { user: "alice", scope: "user", backend: "native" },
  { user: "root", scope: "system", backend: "native" },
  { user: "alice", scope: "user", backend: "files" },
  { user: "root", scope: "system", backend: "files" },
] as Who[]).filter((w) => BACKENDS.includes(w.backend));

/** Runs leger in the guest. */
export function leger(host: Host, who: Who, args: string[], opts: { stdin?: string } = {}): Promise<ExecResult> {
  return host.exec(["leger", "--scope", who.scope, "--backend", who.backend, ...args], {
    user: who.user,
    timeoutMs: 240_000,
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
  });
}

/** Runs leger with --json and parses stdout; fails the test with stderr on a bad exit. */
export async function legerJson<T = unknown>(host: Host, who: Who, args: string[]): Promise<T> {
  const r = await leger(host, who, ["--json", ...args]);
  assert.equal(r.code, 0, `leger ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Fetches a URL inside the guest (retrying while the service comes up). */
export async function httpGet(host: Host, url: string, timeoutMs = 15_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const r = await host.exec(["busybox", "wget", "-qO-", url], { timeoutMs: 5000 });
    if (r.code === 0) return r.stdout;
    if (Date.now() > deadline) return undefined;
    await new Promise((res) => setTimeout(res, 300));
  }
}

/** A web container on the test image: serves /www (the image's version) and logs a greeting. */
export function webContainer(
  opts: { image?: string; port: number; volume?: string; env?: Record<string, string>; extra?: string[] },
): string {
  return [
    "[Unit]",
    "Description=leger e2e web server",
    "",
    "[Container]",
    `Image=${opts.image ?? "localhost/leger-test:v1"}`,
    "RunInit=true",
    `PublishPort=127.0.0.1:${opts.port}:8080`,
    ...(opts.volume ? [`Volume=${opts.volume}:/data`] : []),
    ...Object.entries(opts.env ?? {}).map(([k, v]) => `Environment=${k}=${v}`),
    `Exec=/bin/sh -c "echo hello-from-leger-e2e; exec httpd -f -p 8080 -h /www"`,
    ...(opts.extra ?? []),
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

/** The ports a test uses never collide between users: a base per combination. */
export function portFor(who: Who, n: number): number {
  const base = (who.user === "root" ? 19000 : 18000) + (who.backend === "files" ? 2000 : 0);
  return base + n;
}

/** The quadlet folder of a combination's scope. */
export function quadletDirOf(who: Who): string {
  return who.scope === "user" ? "/home/alice/.config/containers/systemd" : "/etc/containers/systemd";
}

/**
 * Where leger installed `file` of set `set` for this combination: in the
 * set's own folder (files backend, or podman 6's `--application`), or at
 * the top of the quadlet folder (podman 5.x's native install).
 */
export function installedPath(who: Who, set: string, file: string): string {
  const folder = who.backend === "files" || E2E_SUITE === "sid-podman6";
  return `${quadletDirOf(who)}/${folder ? `${set}/` : ""}${file}`;
}

/**
 * For a test about one podman version: runs only in that suite's pass of
 * the end-to-end tier (`ignore` elsewhere), so it runs once per tier.
 */
export function onlyOn(suite: Suite): { ignore: boolean } {
  return { ignore: E2E_SUITE !== suite };
}

/** Options of {@linkcode waitFor}. */
export interface WaitOptions {
  /** Time between two probes (ms, default 250). */
  intervalMs?: number;
  /** Added to the timeout error, e.g. the daemon's journal, so a failure explains itself. */
  describe?: () => Promise<string> | string;
}

/**
 * Probes until `probe` gives a value (anything but undefined, null or
 * false) and returns it; after `timeoutMs` throws, naming `what` and adding
 * what `describe` tells.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const got = await probe();
    if (got !== undefined && got !== null && got !== false) return got;
    if (Date.now() > deadline) {
      const more = options.describe ? `\n${await options.describe()}` : "";
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${more}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

/**
 * Waits until `read` has given `times` values other than the first: what
 * "it is not tried again" is judged over, counted in the daemon's own
 * checks (a set's `lastCheck`, the cycle's `lastCycleAt`) rather than in
 * seconds of a sleep that a loaded machine can outrun.
 */
export async function movedOn(
  what: string,
  read: () => Promise<string | undefined>,
  times: number,
  timeoutMs: number,
  options: WaitOptions = {},
): Promise<void> {
  const seen = new Set([await read()]);
  await waitFor(`${times} more ${what}`, async () => seen.add(await read()).size > times, timeoutMs, {
    intervalMs: 1000,
    ...options,
  });
}

/**
 * A container that gets a Podman secret as APP_TOKEN and serves the
 * token's SHA-256 on `port` (never the value); `logChecksum` also prints
 * `token-sha256=...` to its journal, `volume` mounts at /data.
 */
export function tokenContainer(
  port: number,
  podmanSecret: string,
  options: { volume?: string; logChecksum?: boolean; description?: string } = {},
): string {
  const script = [
    "mkdir -p /tmp/www",
    'echo -n "$${APP_TOKEN}" | sha256sum | cut -d" " -f1 > /tmp/www/index.html',
    ...(options.logChecksum ? ["echo token-sha256=$$(cat /tmp/www/index.html)"] : []),
    "exec httpd -f -p 8080 -h /tmp/www",
  ].join(" && ").replaceAll('"', '\\"');
  return [
    ...(options.description ? ["[Unit]", `Description=${options.description}`, ""] : []),
    "[Container]",
    "Image=localhost/leger-test:v1",
    "RunInit=true",
    `PublishPort=127.0.0.1:${port}:8080`,
    `Secret=${podmanSecret},type=env,target=APP_TOKEN`,
    ...(options.volume ? [`Volume=${options.volume}:/data`] : []),
    `Exec=/bin/sh -c "${script}"`,
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

/** `systemctl status` and the last journal lines of a unit in a combination's scope, for a failed assertion's message. */
export async function unitJournal(host: Host, who: Who, unit: string): Promise<string> {
  const user = who.scope === "user" ? "--user" : "--system";
  const r = await host.sh(
    `systemctl ${user} status ${unit} --no-pager -l 2>&1 | head -30; journalctl ${user} -u ${unit} -n 60 --no-pager -o short-precise 2>&1` +
      (who.scope === "user" ? "" : `; journalctl -n 40 --no-pager -o short-precise _PID=1 2>&1 | grep -i ${unit}`),
    { user: who.user },
  );
  return `--- ${unit} on the host ---\n${r.stdout}${r.stderr}`;
}

/** The environment of an `ansible-playbook` run against booted hosts: leger.leger from ansible/, JSON results. */
export function ansibleEnv(projectRoot: string, localTemp: string): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    LANG: "C.UTF-8",
    ANSIBLE_COLLECTIONS_PATH: `${projectRoot}/ansible`,
    ANSIBLE_STDOUT_CALLBACK: "json",
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_LOCAL_TEMP: localTemp,
    ANSIBLE_RETRY_FILES_ENABLED: "0",
  };
}
