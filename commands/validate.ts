/**
 * `leger validate` and `leger check-conflicts`.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { ExitCode, NotFoundError, UsageError } from "../lib/errors.ts";
import { useColor } from "../lib/color.ts";
import { jsonTextForTerminal } from "../lib/escape.ts";
import { exists } from "../lib/fs.ts";
import { hostProbe } from "../lib/host_probe.ts";
import { stdoutColor } from "../lib/log.ts";
import { legerYamlOf, otherSets, podmanMinor } from "../lib/ops/check.ts";
import { findUsers } from "../lib/quadlet/conflicts.ts";
import { formatText, toJson, toSarif } from "../lib/quadlet/report.ts";
import { repoRelative } from "../lib/source/repo_root.ts";
import denoJson from "../deno.json" with { type: "json" };
import { validateSet } from "../lib/quadlet/validate.ts";
import { readSetFolder } from "../lib/source/collect.ts";
import { findSetFolders, holdsUnits, validatePath, validateRepositoryAt } from "../lib/source/validate_path.ts";
import type { ValidationReport } from "../lib/quadlet/diagnostic.ts";
import { flatten, formatRepositoryText, toRepositoryJson } from "../lib/quadlet/repository.ts";
import { parseSource } from "../lib/source/spec.ts";
import { readManifest } from "../lib/state/manifest.ts";
import { loadSetFiles } from "../lib/state/store.ts";
import { ConflictsOfSetJson, ConflictUsesJson } from "../lib/contract/misc.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { type CliRuntime, contextFor, output } from "./common.ts";
import { table } from "./table.ts";

function write(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** The set folders of `path` when it is a repository (no units of its own, sets below), else undefined. */
async function repositorySets(path: string): Promise<string[] | undefined> {
  if (await holdsUnits(path)) return undefined;
  const sets = await findSetFolders(path);
  return sets.length ? sets : undefined;
}

/** Registers `validate` and `check-conflicts`. */
export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("validate")
    .summary("check quadlets as podman reads them, and more; change nothing")
    .argument(
      "<target>",
      "a folder, a unit file, a .quadlets bundle, an installed set's name, a source URL, or a repository folder whose subfolders are sets",
    )
    .option("--sarif", "print SARIF 2.1.0 (for code-scanning tools) instead of text")
    .option("--strict", "count warnings as errors")
    .option("--podman-version <x.y>", "check keys against this podman version instead of the host's")
    .option("--no-host", "do not ask this host (ports, paths, secrets, generator): for CI")
    .action(async (target, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      if (options.podmanVersion && !/^\d+\.\d+$/.test(options.podmanVersion)) {
        throw new UsageError(`Cannot use --podman-version ${options.podmanVersion}`, "Give major.minor, e.g. 5.4.");
      }
      const podmanVersion = options.podmanVersion ??
        (options.host === false ? undefined : await podmanMinor(ctx.engine));
      let report: ValidationReport;
      let root = Deno.cwd();
      const configTargets = ctx.engine.config["podman-versions"];
      let sourcePath: string | undefined; // the set's folder inside a fetched repository
      const base = {
        rootless: ctx.engine.scope === "user",
        ...(podmanVersion ? { podmanVersion, podmanVersionFromFlag: options.podmanVersion !== undefined } : {}),
        ...(configTargets ? { configTargets } : {}),
        strict: options.strict === true,
        ...(options.host === false ? {} : { host: hostProbe(ctx.engine) }),
      };
      const repo = (await isDir(target)) ? await repositorySets(resolve(target)) : undefined;
      if (repo) {
        const path = resolve(target);
        const result = await validateRepositoryAt(path, repo, { ...base, others: await otherSets(ctx.engine, "") });
        if (options.sarif) {
          const sarifRoot = repoRelative(path);
          write(
            toSarif(flatten(result, base.strict), {
              version: denoJson.version,
              ...(sarifRoot ? { root: sarifRoot } : {}),
            }),
          );
        } else if (ctx.opts.json) write(toRepositoryJson(result));
        else output(ctx.opts, result, () => formatRepositoryText(result, { color: useColor(Deno.stdout) }));
        if (!result.ok) Deno.exitCode = ExitCode.invalid;
        return;
      }
      if (await exists(target)) {
        const path = resolve(target);
        const info = await Deno.stat(path);
        root = info.isDirectory ? path : resolve(path, "..");
        const files = info.isDirectory ? (await readSetFolder(path, "validate")).files : [];
        const setName = legerYamlOf(files)?.name ?? basename(info.isDirectory ? path : root);
        report = await validatePath(path, { ...base, setName, others: await otherSets(ctx.engine, setName) });
      } else if (await readManifest(ctx.engine.paths, target)) {
        const files = await loadSetFiles(ctx.engine.paths, target);
        report = await validateSet(files, { ...base, setName: target, others: await otherSets(ctx.engine, target) });
      } else if (/^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i.test(target)) {
        const fetched = await ctx.engine.fetcher.fetch(parseSource(target, ctx.engine.forges));
        sourcePath = fetched.source.subpath;
        const setName = legerYamlOf(fetched.files)?.name ??
          (basename(fetched.source.subpath) || basename(fetched.source.url, ".git"));
        report = await validateSet(fetched.files, { ...base, setName, others: await otherSets(ctx.engine, setName) });
      } else {
        throw new NotFoundError(`Cannot validate ${target}: no such file or folder, installed set or source URL`);
      }
      const json = (text: string) => write(jsonTextForTerminal(text));
      if (options.sarif) {
        const sarifRoot = sourcePath ?? repoRelative(root);
        json(toSarif(report, { version: denoJson.version, ...(sarifRoot ? { root: sarifRoot } : {}) }));
      } else if (ctx.opts.json) json(toJson(report));
      else output(ctx.opts, report, () => formatText(report, { color: stdoutColor() }));
      if (!report.ok) Deno.exitCode = ExitCode.invalid;
    });

  program
    .command("check-conflicts")
    .summary("who uses host port N or volume V? what does a set clash with?")
    .argument("[name]", "an installed set: show what it clashes with")
    .option("--port <n>", "which installed sets publish this host port")
    .option("--volume <v>", "which installed sets use this podman volume (or .volume file)")
    .action(async (name, options, cmd) => {
      const ctx = await contextFor(cmd, runtime);
      const sets = await otherSets(ctx.engine, "");
      if (options.port !== undefined || options.volume !== undefined) {
        const port = options.port === undefined ? undefined : Number(options.port);
        if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
          throw new UsageError(`Cannot look up port ${options.port}`, "Give a port number from 1 to 65535.");
        }
        const uses = findUsers(name ? sets.filter((s) => s.name === name) : sets, {
          ...(port !== undefined ? { port } : {}),
          ...(options.volume ? { volume: options.volume } : {}),
        });
        output(
          ctx.opts,
          versioned(ConflictUsesJson, { uses }),
          () =>
            uses.length
              ? table(["SET", "FILE", "LINE", "USES"], uses.map((u) => [u.set, u.file, String(u.line), u.what]))
              : "no installed set uses it",
        );
        return;
      }
      if (!name) throw new UsageError("Cannot check conflicts: name a set, or give --port or --volume");
      const mine = sets.find((s) => s.name === name);
      if (!mine) {
        const names = sets.map((s) => s.name);
        throw new NotFoundError(
          `Cannot check ${name}: it is not installed (${ctx.engine.scope} scope)`,
          names.length
            ? `Installed: ${names.join(", ")}.`
            : "Nothing is installed in this scope; see leger list, or --scope.",
        );
      }
      const report = await validateSet(mine.files, {
        setName: name,
        rootless: ctx.engine.scope === "user",
        others: sets.filter((s) => s.name !== name),
      });
      const conflicts = report.diagnostics.filter((d) => d.code.startsWith("conflict/"));
      output(
        ctx.opts,
        versioned(ConflictsOfSetJson, { name, conflicts }),
        () =>
          conflicts.length
            ? conflicts.map((d) => `${d.file}:${d.line}: ${d.severity} ${d.code}: ${d.message}`).join("\n")
            : `${name}: no conflicts with other installed sets`,
      );
    });
}
