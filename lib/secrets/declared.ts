/**
 * Which secrets the installed sets declare, and which systemd units use
 * each one (so a rotation restarts exactly those).
 *
 * @module
 */
import { basename } from "node:path";
import { setUnits } from "../quadlet/units.ts";
import type { Manifest } from "../state/manifest.ts";
import type { DeclaredSecret } from "./sync.ts";

/** True when a quadlet file's text uses the Podman secret (`Secret=NAME[,opts]`). */
export function quadletUsesSecret(text: string, podmanSecret: string): boolean {
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) section = line;
    if (section !== "[Container]") continue;
    const m = /^Secret\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const value = m[1]!.trim().replace(/^"(.*)"$/, "$1");
    if (value.split(",")[0]!.trim() === podmanSecret) return true;
  }
  return false;
}

/** The systemd unit a `.container` file becomes (`web.container` -> `web.service`). */
function unitOf(file: string, text: string): string {
  const m = /^\s*ServiceName\s*=\s*(\S+)\s*$/m.exec(text);
  if (m) return m[1]!.endsWith(".service") ? m[1]! : `${m[1]}.service`;
  return basename(file).replace(/\.container$/, ".service");
}

/**
 * Lists the secrets of every installed set with the units that use them:
 * the `.container` units whose `Secret=` names the Podman secret, or every
 * service of the set when no file says (files unreadable).
 */
export async function declaredSecrets(
  manifests: Manifest[],
  readText: (path: string) => Promise<string> = Deno.readTextFile,
): Promise<DeclaredSecret[]> {
  const out: DeclaredSecret[] = [];
  for (const m of manifests) {
    if (m.secrets.length === 0) continue;
    const containers: { name: string; text: string }[] = [];
    let unreadable = false;
    for (const f of m.files) {
      if (f.kind !== "quadlet" || !f.name.endsWith(".container")) continue;
      try {
        containers.push({ name: f.name, text: await readText(f.path) });
      } catch {
        unreadable = true;
      }
    }
    for (const s of m.secrets) {
      // Per unit: a template's secret is used by each of its instances (web@.container -> web@one, web@two).
      const texts = new Map(containers.map((c) => [c.name, c.text]));
      let users = setUnits(containers).units
        .filter((u) => quadletUsesSecret(texts.get(u.file) ?? "", s.podmanSecret))
        .map((u) => u.instance ? u.service : unitOf(u.file, texts.get(u.file) ?? ""));
      if (users.length === 0 && unreadable) {
        users = m.units.filter((u) => u.endsWith(".service"));
      }
      out.push({
        name: s.name,
        podmanSecret: s.podmanSecret,
        ...(s.restart === undefined ? {} : { restart: s.restart }),
        users: [...new Set(users)].sort(),
      });
    }
  }
  return out;
}
