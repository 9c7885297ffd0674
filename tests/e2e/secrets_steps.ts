/**
 * The steps of secrets_test.ts: leger run as alice (its output kept for\n * the leak check), the Setec stand-in inside the guest, the app whose\n * container serves its secret's checksum, and what the daemon answers.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ExecResult } from "../host/guest_exec.ts";
import { BACKENDS, httpGet, leger as runLeger, sharedHost, tokenContainer, waitFor, type Who } from "./helpers.ts";
import { type GuestSetec, guestSetec } from "./setec_guest.ts";

const ALICE: Who = { user: "alice", scope: "user", backend: BACKENDS[0]! };
export const HOME = "/home/alice";
const SETEC_PORT = 8700;
export const SETEC = `https://127.0.0.1:${SETEC_PORT}`;
export const SETEC_UNIT = "leger-e2e-setec";
let standIn: GuestSetec | undefined;
export async function stand(): Promise<GuestSetec> {
  return standIn ??= await guestSetec(await sharedHost(), SETEC_PORT, { deny: "leger/denied/", unit: SETEC_UNIT });
}
export const APP_PORT = 18601;
export const POLL_MS = 2000;

/** Secret values: distinctive, so a leak is found by a plain search. */
const run = crypto.randomUUID().slice(0, 8);
export const VALUES = {
  v1: `e2e-token-one-${run}`,
  v2: `e2e-token-two-${run}`,
  v3: `e2e-token-three-${run}`,
  pair: `e2e-token-pair-${run}`,
};

/** Everything leger printed during the file's tests. */
export const transcript: string[] = [];

/** Runs leger as alice and keeps its output for the leak check. */
export async function leger(args: string[]): Promise<ExecResult> {
  const r = await runLeger(await sharedHost(), ALICE, args);
  transcript.push(`$ leger ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  return r;
}

export async function legerJson<T>(args: string[]): Promise<T> {
  const r = await leger(["--json", ...args]);
  assert.equal(r.code, 0, `leger ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const b64 = (text: string) => btoa(text);

/** `setec put`: returns the version written (not active unless it is the first). */
export async function setecPut(name: string, value: string): Promise<number> {
  return await (await stand()).put(name, value);
}

export async function setecActivate(name: string, version: number): Promise<void> {
  await (await stand()).activate(name, version);
}

/** Starts the stand-in (HTTPS) as a transient system unit; names under leger/denied/ answer 403. */
export async function startSetec(): Promise<void> {
  await (await stand()).start();
}

/** The checksum the app's container serves (of its APP_TOKEN), or undefined when it does not answer. */
export async function servedChecksum(port = APP_PORT): Promise<string | undefined> {
  return (await httpGet(await sharedHost(), `http://127.0.0.1:${port}/`, 1000))?.trim();
}

export async function waitForChecksum(value: string, timeoutMs: number, port = APP_PORT): Promise<number> {
  const want = await sha256(value);
  const started = Date.now();
  await waitFor(
    `the container on port ${port} to see the new value`,
    async () => (await servedChecksum(port)) === want,
    timeoutMs,
  );
  return Date.now() - started;
}

/** A container that gets the Podman secret as APP_TOKEN, logs and serves its SHA-256, never the value. */
export function secretContainer(port: number, podmanSecret = "app-token"): string {
  return tokenContainer(port, podmanSecret, { logChecksum: true, description: "leger e2e secret consumer" });
}

export function legerYaml(setecName: string, podmanSecret = "app-token"): string {
  return `secrets:\n  - name: ${setecName}\n    podman-secret: ${podmanSecret}\n    env: APP_TOKEN\n`;
}

export async function writeSet(name: string, files: Record<string, string>): Promise<string> {
  const host = await sharedHost();
  const dir = `${HOME}/sets/${name}`;
  await host.exec(["rm", "-rf", dir], { user: "alice" });
  for (const [file, text] of Object.entries(files)) await host.writeFile(`${dir}/${file}`, text, { user: "alice" });
  return dir;
}

export async function podmanSecretExists(name: string): Promise<boolean> {
  const host = await sharedHost();
  return (await host.exec(["podman", "secret", "exists", name], { user: "alice" })).code === 0;
}

export async function podmanSecretUpdated(name: string): Promise<string> {
  const host = await sharedHost();
  const r = await host.exec(["podman", "secret", "inspect", "--format", "{{.UpdatedAt}}", name], { user: "alice" });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

export async function containerId(name = "systemd-app"): Promise<string> {
  const host = await sharedHost();
  return (await host.exec(["podman", "inspect", "--format", "{{.Id}}", name], { user: "alice" })).stdout.trim();
}

export async function installedSets(): Promise<string[]> {
  return (await legerJson<{ sets: { name: string }[] }>(["list"])).sets.map((r) => r.name).sort();
}

interface SecretStatus {
  name: string;
  podmanSecret: string;
  version?: number;
  stale: boolean;
  lastAction?: string;
  /** When the daemon last asked Setec about it. */
  checkedAt?: string;
}
export interface StatusOut {
  source: "daemon" | "cache";
  daemon?: { server: string; pollIntervalMs: number; pid: number };
  secrets: SecretStatus[];
}
export interface SyncOut {
  by: "daemon" | "local";
  dryRun: boolean;
  ok: boolean;
  results: {
    name: string;
    podmanSecret: string;
    action: string;
    fromVersion?: number;
    toVersion?: number;
    restarted: string[];
  }[];
}

export async function daemonAnswers(): Promise<StatusOut> {
  return await waitFor("the leger daemon to answer", async () => {
    const r = await leger(["--json", "secrets", "status"]);
    if (r.code !== 0) return undefined;
    const s = JSON.parse(r.stdout) as StatusOut;
    return s.source === "daemon" ? s : undefined;
  }, 60_000);
}

export async function daemonJournal(): Promise<string> {
  const host = await sharedHost();
  return (await host.exec(["journalctl", "--user", "-u", "leger-daemon", "--no-pager", "-o", "cat"], { user: "alice" }))
    .stdout;
}

export async function systemctlUser(...args: string[]): Promise<ExecResult> {
  const host = await sharedHost();
  return await host.exec(["systemctl", "--user", ...args], { user: "alice" });
}

/**
 * `systemctl --user VERB leger-daemon`, which must succeed; when it does
 * not, the error carries what systemd said, the unit's status and the
 * end of its journal (a failed start once said only "1 !== 0").
 */
export async function daemonUnit(verb: "start" | "stop"): Promise<void> {
  const r = await systemctlUser(verb, "leger-daemon");
  if (r.code === 0) return;
  const status = await systemctlUser("status", "--no-pager", "--full", "leger-daemon");
  const show = await systemctlUser(
    "show",
    "-p",
    "ActiveState,SubState,Result,NRestarts,ExecMainStatus",
    "leger-daemon",
  );
  throw new Error(
    `systemctl --user ${verb} leger-daemon: exit ${r.code}: ${r.stderr.trim()}\n${show.stdout}${status.stdout}\n` +
      (await daemonJournal()).split("\n").slice(-40).join("\n"),
  );
}
