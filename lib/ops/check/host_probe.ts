/**
 * The validator's questions answered by the real host: listening ports,
 * paths, podman secrets, systemd units, the quadlet generator's verdict.
 * Every process goes through the engine's shell.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { GENERATOR_PATHS } from "../../host/podman.ts";
import type { HostProbe } from "../../quadlet/diagnostic.ts";
import { run } from "../../host/shell.ts";

/** Host ports with a listening socket, read from /proc/net (tcp: LISTEN; udp: bound). */
export async function listeningPorts(proto: "tcp" | "udp"): Promise<Set<number>> {
  const out = new Set<number>();
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text = "";
    try {
      text = await Deno.readTextFile(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      const port = parseInt(cols[1]!.split(":")[1] ?? "", 16);
      if (proto === "tcp" && cols[3] !== "0A") continue; // 0A = LISTEN
      if (Number.isFinite(port)) out.add(port);
    }
  }
  return out;
}

async function findGenerator(): Promise<string | undefined> {
  for (const p of GENERATOR_PATHS) {
    try {
      await Deno.stat(p);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

/**
 * A probe of this host for the engine's scope. `ownPorts` are ports the set
 * being replaced publishes itself: they are not "in use" for it.
 */
export function hostProbe(engine: Engine, ownPorts: ReadonlySet<number> = new Set()): HostProbe {
  const ports: Partial<Record<"tcp" | "udp", Promise<Set<number>>>> = {};
  return {
    async portInUse(port, proto) {
      if (ownPorts.has(port)) return false;
      ports[proto] ??= listeningPorts(proto);
      return (await ports[proto]!).has(port);
    },
    async pathExists(path) {
      try {
        await Deno.stat(path);
        return true;
      } catch {
        return false;
      }
    },
    async podmanSecretExists(name) {
      if (name.startsWith("-")) return false; // never an option of podman (lib/core/argv.ts)
      const r = await run(engine.$, ["podman", "secret", "inspect", "--", name]).catch(() => undefined);
      return r?.code === 0;
    },
    async unitExists(unit) {
      const [state] = await engine.systemd.states([unit]).catch(() => []);
      return state !== undefined && state.load !== "not-found" && state.load !== "unknown";
    },
    async generator(dir, rootless) {
      const bin = await findGenerator();
      if (!bin) return undefined;
      return await run(engine.$, [bin, "-dryrun", ...(rootless ? ["-user"] : [])], { env: { QUADLET_UNIT_DIRS: dir } });
    },
    async unprivilegedPortStart() {
      try {
        return Number((await Deno.readTextFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trim());
      } catch {
        return 1024;
      }
    },
  };
}
