/**
 * The steps of validation_test.ts: who runs leger, the report's JSON shape,\n * sets written into the guest, and the "holder" set whose port the other\n * tests clash with.
 *
 * @module
 */
import assert from "node:assert/strict";
import { BACKENDS, leger, legerJson, sharedHost, webContainer, type Who } from "./helpers.ts";

export const ALICE: Who = { user: "alice", scope: "user", backend: BACKENDS[0]! };
export const ROOT: Who = { user: "root", scope: "system", backend: BACKENDS[0]! };
export const HOME = "/home/alice";
export const QUADLETS = `${HOME}/.config/containers/systemd`;
/** The port the installed set "holder" publishes. */
export const PORT = 18501;

export interface Diag {
  file: string;
  line: number;
  severity: string;
  code: string;
  key?: string;
  message: string;
  source: "leger" | "generator";
}
export interface JsonReport {
  version: number;
  ok: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diag[];
}
export interface ListRow {
  name: string;
}

/** Writes a set's files into a folder of alice's (replacing what was there). */
export async function writeSet(
  folder: string,
  files: Record<string, string>,
  user: "alice" | "root" = "alice",
): Promise<string> {
  const host = await sharedHost();
  await host.exec(["rm", "-rf", folder], { user });
  for (const [name, text] of Object.entries(files)) await host.writeFile(`${folder}/${name}`, text, { user });
  return folder;
}

/** Every file of alice's quadlet folder, sets' folders included (hidden ones too: podman's install markers). */
export async function quadletFiles(): Promise<string[]> {
  const host = await sharedHost();
  const r = await host.exec(["find", QUADLETS, "-mindepth", "1", "-type", "f", "-printf", "%P\\n"], { user: "alice" });
  return r.stdout.split("\n").filter(Boolean).sort();
}

export async function installedSets(who: Who = ALICE): Promise<string[]> {
  return (await legerJson<{ sets: ListRow[] }>(await sharedHost(), who, ["list"])).sets.map((r) => r.name).sort();
}

/** The holder set: a web server on PORT; installed by the first test, used by the others. */
export async function ensureHolder(): Promise<void> {
  const host = await sharedHost();
  if ((await installedSets()).includes("holder")) return;
  const dir = await writeSet(`${HOME}/sets/holder`, { "holder.container": webContainer({ port: PORT }) });
  const r = await leger(host, ALICE, ["install", dir, "--name", "holder"]);
  assert.equal(r.code, 0, r.stderr);
}
