/**
 * `leger doctor`: is this host ready, and if not, what to do.
 *
 * @module
 */
import { nativeTemplateLimit } from "../backend/for_set.ts";
import type { Engine } from "../engine.ts";
import { GENERATOR_PATHS } from "../podman.ts";
import { run } from "../shell.ts";
import { podmanChecks } from "./doctor_podman.ts";
import { pendingRecoveries } from "./recover_user.ts";
import { describeStorage } from "../backup/storage/describe.ts";

/** One check. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when not ok. */
  fix?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writable(dir: string): Promise<boolean> {
  let probe = dir;
  while (!(await exists(probe))) {
    const up = probe.slice(0, probe.lastIndexOf("/")) || "/";
    if (up === probe) break;
    probe = up;
  }
  try {
    const f = `${probe}/.leger-probe-${Deno.pid}`;
    await Deno.writeTextFile(f, "");
    await Deno.remove(f);
    return true;
  } catch {
    return false;
  }
}

/** Runs every check; never throws for a failed check. */
export async function doctor(engine: Engine): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    checks.push(...await podmanChecks(engine));
    const limit = (await engine.backend()).kind === "native" ? nativeTemplateLimit(await engine.podman()) : undefined;
    if (limit) {
      checks.push({
        name: "templates",
        ok: true,
        detail: `${limit}: sets with template units (name@.container) use the files backend`,
      });
    }
  } catch (error) {
    checks.push({
      name: "podman",
      ok: false,
      detail: (error as Error).message,
      fix: "Install podman 4.4 or newer (5.6+ for the native backend).",
    });
  }
  const generator = (await Promise.all(GENERATOR_PATHS.map(async (p) => (await exists(p)) ? p : undefined))).find(
    Boolean,
  );
  checks.push(
    generator ? { name: "quadlet generator", ok: true, detail: generator } : {
      name: "quadlet generator",
      ok: false,
      detail: "not found",
      fix: "Install podman's quadlet generator (part of podman 4.4+).",
    },
  );
  const sd = await engine.systemd.reachable().catch((e) => ({ ok: false, detail: (e as Error).message }));
  checks.push({
    name: engine.scope === "user" ? "systemd (user)" : "systemd",
    ok: sd.ok,
    detail: sd.detail,
    ...(sd.ok ? {} : {
      fix: engine.scope === "user"
        ? "Log in through a session with systemd --user, or run: loginctl enable-linger $USER"
        : "leger needs systemd as the init system.",
    }),
  });
  if (engine.scope === "user") {
    const user = engine.env.USER ?? engine.env.LOGNAME ?? "";
    const linger = user ? await exists(`/var/lib/systemd/linger/${user}`) : false;
    checks.push({
      name: "linger",
      ok: linger,
      detail: linger ? `enabled for ${user}` : `not enabled${user ? ` for ${user}` : ""}: units stop when you log out`,
      ...(linger ? {} : { fix: `loginctl enable-linger ${user || "$USER"}` }),
    });
  }
  const git = await run(engine.$, ["git", "--version"]).catch(() => undefined);
  checks.push(
    git && git.code === 0
      ? { name: "git", ok: true, detail: git.stdout.trim() }
      : { name: "git", ok: false, detail: "not found", fix: "Install git: dnf install git / apt install git." },
  );
  for (
    const [name, dir] of [["state folder", engine.paths.stateDir], ["cache folder", engine.paths.cacheDir], [
      "quadlet folder",
      engine.paths.quadletDir,
    ]] as const
  ) {
    const ok = await writable(dir);
    checks.push({ name, ok, detail: dir, ...(ok ? {} : { fix: `Make ${dir} writable for this user.` }) });
  }
  checks.push(await pendingCheck(engine));
  const storage = await describeStorage(engine.$).catch((e) => `could not tell: ${(e as Error).message}`);
  checks.push({ name: "volume storage", ok: true, detail: storage });
  return checks;
}

/** Operations a killed or failed run left in the journal (each blocks only its own set). */
async function pendingCheck(engine: Engine): Promise<DoctorCheck> {
  const pending = await pendingRecoveries(engine).catch((e) => e as Error);
  if (pending instanceof Error) return { name: "pending recoveries", ok: false, detail: pending.message };
  if (pending.length === 0) return { name: "pending recoveries", ok: true, detail: "none" };
  const names = [...new Set(pending.map((p) => p.name))];
  return {
    name: "pending recoveries",
    ok: false,
    detail: pending.map((p) =>
      `${p.op} of ${p.name} (started ${p.startedAt}, step "${p.step}")${
        p.failed ? `: recovery failed ${p.failed.attempts} time(s): ${p.failed.error}` : ": not tried yet"
      }; left: ${p.leftovers.map((l) => `${l.kind} ${l.what}`).join(", ") || "nothing"}`
    ).join("; "),
    fix: names.map((n) => `leger recover ${n} (retry) or leger recover ${n} --abandon`).join("; "),
  };
}
