/**
 * The one door into the operations (lib/ops/; nothing else imports them):
 * {@linkcode Leger}, what commands call and what a workflow file receives as
 * `leger`; {@linkcode CommandOps}, what only the commands call;
 * {@linkcode UnattendedOps}, what the unattended updater calls; and
 * {@linkcode listSets}, `leger list` without an engine. Each returns data,
 * not text. Every operation that changes the host or leger's state runs
 * through the one wrapper (lib/ops/guarded.ts: scope lock, recovery,
 * journal).
 *
 * This module imports only types; each operation's module is imported when
 * the operation is first called, so `leger list` never loads the
 * validator, the backup code or git fetching (start-up time is most of a
 * short command's time).
 *
 * @module
 */
import type { CommandOps, Leger, UnattendedOps } from "./leger_api.ts";
import type { Engine } from "./engine.ts";
import type { InstallOptions, PreparedSet } from "./ops/install/install.ts";
import type { ListSource, SetRow } from "./ops/query/list.ts";
import type { StageOptions } from "./ops/update/stage.ts";
import type { Guard } from "./ops/guard.ts";
import { refuseUnknownOptions } from "./leger_options.ts";

/**
 * Binds the operations to an engine. Operations that change the host check
 * first that it is ready (podman, systemd: exit code 6), so a host that is
 * not ready is refused before anything is written.
 */
export function createLeger(engine: Engine): Leger {
  const installOps = () => import("./ops/install/install.ts");
  const query = () => import("./ops/query/query.ts");
  const staging = () => import("./ops/update/stage.ts");
  const diffOps = () => import("./ops/update/diff.ts");
  const recovery = () => import("./ops/recover/pending.ts");
  /** Sets named (or none, for "all"): a failed recovery of one of them refuses the operation. */
  const sets = (nameOrAll: string) => (nameOrAll === "all" ? [] : [nameOrAll]);
  // Every operation that changes the host or leger's state runs through the one wrapper: lock, recovery, journal.
  const guarded = async <T>(names: string[], op: (guard: Guard) => Promise<T>) =>
    (await import("./ops/guarded.ts")).guarded(engine, names, op);
  // "not found" and "nothing to do" come before "host not ready": what leger's own state answers is answered first.
  const inspectFirst = async (name: string) => (await import("./ops/set_lookup.ts")).requireManifest(engine, name);
  const ready = async (dryRun?: boolean) => {
    if (!dryRun) await (await import("./ops/host_ready.ts")).requireHostReady(engine);
  };
  const guardedStage = async (nameOrAll: string, options?: StageOptions) => {
    const ops = await staging();
    return await guarded(sets(nameOrAll), (g) => ops.stage(engine, g, nameOrAll, options));
  };
  // Starting and stopping change the host too: under the lock, so a start never lands inside a backup's copy or an
  // apply's health gate, and after the recovery of an interrupted run of the set.
  const control = async (name: string, action: "start" | "stop" | "restart") => {
    await inspectFirst(name);
    await ready();
    const ops = await query();
    return await guarded([name], () => ops.control(engine, name, action));
  };
  // An adopted set replaced from a source goes through stage and apply, not remove-then-install.
  const installOrReplace = async (prepared: PreparedSet, options?: InstallOptions) => {
    const ops = await installOps();
    await ops.refuseBeforeHost(engine, prepared, options);
    await ready(options?.dryRun);
    const adoption = options?.replace ? await import("./ops/adopt/replace.ts") : undefined;
    // Which path is chosen under the lock: the set may be adopted or replaced by another run until then.
    return await guarded(
      [prepared.name],
      async (g) =>
        options && adoption && await adoption.isAdopted(engine, prepared.name)
          ? await adoption.replaceAdopted(engine, g, prepared, options)
          : await ops.installPrepared(engine, g, prepared, options),
    );
  };
  return {
    prepare: async (source, options) => {
      refuseUnknownOptions("prepare", options);
      return (await installOps()).prepare(engine, source, options);
    },
    assignment: async (source, options) => {
      refuseUnknownOptions("assignment", options);
      return (await import("./ops/install/assignment.ts")).assignment(engine, source, options);
    },
    installPrepared: async (prepared, options) => {
      refuseUnknownOptions("installPrepared", options);
      return await installOrReplace(prepared, options);
    },
    install: async (source, options) => {
      refuseUnknownOptions("install", options);
      return await installOrReplace(await (await installOps()).prepare(engine, source, options), options);
    },
    remove: async (name, options) => {
      refuseUnknownOptions("remove", options);
      await inspectFirst(name);
      await ready(options?.dryRun);
      const ops = await import("./ops/install/remove.ts");
      return await guarded([name], (g) => ops.remove(engine, g, name, options));
    },
    list: async () => (await query()).list(engine),
    exportSet: async (name, dir, options) => {
      refuseUnknownOptions("exportSet", options);
      return (await import("./ops/adopt/export.ts")).exportSet(engine, name, dir, options);
    },
    unowned: async () => (await import("./ops/adopt/unowned.ts")).unowned(engine),
    adopt: async (selectors, options) => {
      refuseUnknownOptions("adopt", options);
      const ops = await import("./ops/adopt/adopt.ts");
      const plan = await ops.planAdoption(engine, selectors);
      if (options?.dryRun) return plan;
      await ready();
      return await guarded(plan.sets.map((s) => s.name), (g) => ops.adopt(engine, g, selectors));
    },
    inspect: async (name) => (await query()).inspect(engine, name),
    logs: async (name, lines) => (await query()).logs(engine, name, lines),
    start: (name) => control(name, "start"),
    stop: (name) => control(name, "stop"),
    restart: (name) => control(name, "restart"),
    validate: async (source, options) => {
      refuseUnknownOptions("validate", options);
      return (await import("./ops/check/validate_source.ts")).validateSource(engine, source, options);
    },
    doctor: async () => (await import("./ops/query/doctor.ts")).doctor(engine),
    stage: async (nameOrAll, options) => {
      refuseUnknownOptions("stage", options);
      return options?.dryRun
        ? (await import("./ops/update/preview.ts")).preview(engine, nameOrAll, {
          ...(options.ref !== undefined ? { ref: options.ref } : {}),
          ...(options.allowUnsigned ? { allowUnsigned: true } : {}),
        })
        : await guardedStage(nameOrAll, options);
    },
    staged: async () => (await staging()).staged(engine),
    diff: async (name) => (await diffOps()).diff(engine, name),
    diffText: async (name, options) => {
      refuseUnknownOptions("diffText", options);
      const { diff, formatDiff } = await diffOps();
      return formatDiff(await diff(engine, name), options);
    },
    formatDiff: async (d, options) => {
      refuseUnknownOptions("formatDiff", options);
      return (await diffOps()).formatDiff(d, options);
    },
    apply: async (nameOrAll, options) => {
      refuseUnknownOptions("apply", options);
      const ops = await import("./ops/update/apply.ts");
      if (!(await ops.anythingToApply(engine, nameOrAll))) return [];
      await ready(options?.dryRun);
      return await guarded(sets(nameOrAll), (g) => ops.apply(engine, g, nameOrAll, options));
    },
    discard: async (nameOrAll) => {
      const ops = await staging();
      // A killed apply may still be using the staged copy: the wrapper finishes it first.
      return await guarded(sets(nameOrAll), () => ops.discard(engine, nameOrAll));
    },
    recover: async (name) => (await recovery()).recover(engine, name).then((r) => r.recovered),
    pendingRecoveries: async (name) => (await recovery()).pendingRecoveries(engine, name),
    abandonRecovery: async (name, options) => {
      refuseUnknownOptions("abandonRecovery", options);
      return (await recovery()).abandon(engine, name, options);
    },
    backup: async (name, options) => {
      refuseUnknownOptions("backup", options);
      if (name !== "all") await inspectFirst(name);
      await ready();
      // ops/backup/create.ts alone: a backup loads neither restore nor install (nor the YAML reader).
      const ops = await import("./ops/backup/create.ts");
      return await guarded([name], (g) => ops.backup(engine, g, name, options));
    },
    backupPaths: async (name) => {
      await inspectFirst(name);
      return (await import("./ops/backup/cow/snapshot.ts")).backupPaths(engine, name);
    },
    backups: async (name) => (await import("./backup/info.ts")).listBackups(engine, name),
    restore: async (name, id, options) => {
      refuseUnknownOptions("restore", options);
      const ops = await import("./ops/backup/restore.ts");
      await ops.findBackup(engine, name, id);
      await ready();
      return await guarded([name], (g) => ops.restore(engine, g, name, id, options));
    },
    prune: async (options) => {
      refuseUnknownOptions("prune", options);
      const [{ locked }, { applyRetention }] = await Promise.all([
        import("./ops/guarded.ts"),
        import("./ops/backup/retention.ts"),
      ]);
      return await locked(engine, () => applyRetention(engine, options ?? {}));
    },
    importCompose: async (path, options) => {
      refuseUnknownOptions("importCompose", options);
      const host = options?.podmanVersion ? undefined : await engine.podman().then((p) => p.version, () => undefined);
      return (await import("./compose/import.ts")).importCompose(path, {
        env: engine.env,
        ...(host ? { podmanVersion: `${host.major}.${host.minor}` } : {}),
        ...options,
      });
    },
    search: async (term, options) => {
      refuseUnknownOptions("search", options);
      return (await import("./catalog/search.ts")).search(engine, term, options);
    },
    inspectSource: async (source, options) => {
      refuseUnknownOptions("inspectSource", options);
      const { catalog, ...prepareOptions } = options ?? {};
      const full = await (await import("./catalog/resolve.ts")).resolveSource(
        engine,
        source,
        catalog ? { catalog } : {},
      );
      const prepared = await (await installOps()).prepare(engine, full, prepareOptions);
      return await (await import("./catalog/preview.ts")).preview(engine, prepared);
    },
    resolveSource: async (source, options) => {
      refuseUnknownOptions("resolveSource", options);
      return (await import("./catalog/resolve.ts")).resolveSource(engine, source, options);
    },
  };
}

/** Binds the updater's operations to an engine. */
export function unattendedOps(engine: Engine): UnattendedOps {
  const guarded = async <T>(name: string, op: (guard: Guard) => Promise<T>) =>
    (await import("./ops/guarded.ts")).guarded(engine, [name], op);
  return {
    stage: async (name, options) => {
      const ops = await import("./ops/update/stage.ts");
      return await guarded(name, (g) => ops.stage(engine, g, name, options));
    },
    apply: async (name) => {
      const ops = await import("./ops/update/apply.ts");
      return await guarded(name, (g) => ops.apply(engine, g, name));
    },
    stagedRisks: async (name) => (await import("./ops/update/staged_risks.ts")).stagedRisks(engine, name),
    pendingImages: async (units) => (await import("./ops/update/images.ts")).pendingImages(engine, units),
    updateImages: async (manifest, pending, knownBad) => {
      // Under the lock alone: an image update recovers nothing first, as before the wrapper.
      const [{ locked }, ops] = await Promise.all([import("./ops/guarded.ts"), import("./ops/update/images.ts")]);
      return await locked(engine, (g) => ops.updateImages(engine, g, manifest, pending, knownBad));
    },
  };
}

/** Binds the commands' own operations to an engine. */
export function commandOps(engine: Engine): CommandOps {
  const target = () => import("./ops/check/validate_target.ts");
  return {
    requireHostReady: async () => (await import("./ops/host_ready.ts")).requireHostReady(engine),
    findBackup: async (name, id) => (await import("./ops/backup/restore.ts")).findBackup(engine, name, id),
    validateTarget: async (t, options) => (await target()).validateTarget(engine, t, options),
    findUses: async (name, query) => (await target()).findUses(engine, name, query),
    conflictsOf: async (name) => (await target()).conflictsOf(engine, name),
  };
}

/**
 * Every installed set with its units' states, read without an engine:
 * `leger list` as main.ts runs it before commander loads (commands/list.ts,
 * decision 46), through the same function as {@linkcode Leger.list}.
 */
export async function listSets(source: ListSource): Promise<SetRow[]> {
  return await (await import("./ops/query/list.ts")).listSets(source);
}
