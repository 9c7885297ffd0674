/**
 * `leger doctor`: is this host ready, and if not, what to do. The podman
 * part says the version, whether leger supports and tests it, the backend it
 * gets, and the sets still in the layout of an older podman (installed
 * under 5.x, now on 6.x) with what will happen to them.
 *
 * @module
 */
import { nativeTemplateLimit } from "../../backend/for_set.ts";
import { layoutOf } from "../../backend/layout.ts";
import { supportFor, supportSummary } from "../../backend/support.ts";
import type { Engine } from "../../engine.ts";
import { GENERATOR_PATHS } from "../../host/podman.ts";
import { run } from "../../host/shell.ts";
import { listManifests } from "../../state/manifest.ts";
import { pendingRecoveries } from "../recover/pending.ts";
import { describeStorage } from "../../backup/storage/describe.ts";

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
  checks.push(await (await import("../adopt/unowned.ts")).unownedCheck(engine));
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

/** podman, backend and layout checks (throws when podman is missing or too old). */
export async function podmanChecks(engine: Engine): Promise<DoctorCheck[]> {
  const caps = await engine.podman();
  const backend = await engine.backend();
  const line = supportFor(caps);
  const tested = line?.tested === caps.version.text;
  const checks: DoctorCheck[] = [{
    name: "podman",
    ok: true,
    detail: `podman ${caps.version.text} (${line?.versions ?? "?"}: ${
      tested ? "tested" : `supported, tested on ${line?.tested}`
    }; ${supportSummary()})`,
  }];
  checks.push({
    name: "backend",
    ok: true,
    detail: backend.kind === "files"
      ? `files (writes into ${engine.paths.quadletDir}/<set>/${
        caps.quadletCommand ? ", chosen in the config" : `; podman ${caps.version.text} has no podman quadlet`
      })`
      : caps.quadletApplication
      ? `native (podman ${caps.version.text}: one folder per set, podman quadlet install --application)`
      : `native (podman quadlet${caps.quadletReplace ? " with --replace" : ""}${
        caps.replaceKeepsTail ? `; not used: podman ${caps.version.text} keeps an old file's tail` : ""
      })`,
  });
  if (backend.kind === "native" && caps.quadletApplication) {
    const flat = (await listManifests(engine.paths))
      .filter((m) => m.backend === "native" && layoutOf(engine.paths.quadletDir, m.files) === "flat")
      .map((m) => m.name);
    checks.push({
      name: "layout",
      ok: true,
      detail: flat.length === 0
        ? "every set is in podman 6's layout (one folder per set)"
        : `${
          flat.join(", ")
        } still in podman 5's layout (files at the top of ${engine.paths.quadletDir}): they run and are managed as they are; the next install, apply or restore of each moves it into ${engine.paths.quadletDir}/<set>/, restarting its units at most`,
    });
  }
  return checks;
}
