/**
 * Puts an imported set in place all at once: every file is written and
 * fsynced into a fresh folder beside `--out`, which is then renamed to
 * `--out` (with `replace`, the old folder is renamed aside first and
 * removed after). A failure part way removes the fresh folder, so `--out`
 * is either untouched or complete.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { ExitCode, LegerError } from "../core/errors.ts";
import { syncDir } from "../core/fs.ts";

/** One file of the set. */
export interface OutFile {
  name: string;
  text: string;
  mode: number;
}

async function lstat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Refuses an `--out` that cannot be written as a whole (before any work is done). */
export async function checkOut(out: string, replace: boolean): Promise<void> {
  const parent = dirname(resolve(out));
  const p = await lstat(parent);
  if (!p?.isDirectory) {
    throw new LegerError(`Cannot write ${out}: the folder ${parent} does not exist`, {
      exitCode: ExitCode.usage,
      hint: "Create it first, or choose another --out.",
    });
  }
  const o = await lstat(out);
  if (!o) return;
  if (o.isSymlink || !o.isDirectory) {
    throw new LegerError(`Cannot write ${out}: it exists and is not a folder`, {
      exitCode: ExitCode.usage,
      hint: "Choose another --out.",
    });
  }
  if (!replace) {
    throw new LegerError(`Cannot write ${out}: it exists`, {
      exitCode: ExitCode.usage,
      hint: "Pass --replace to replace it, or choose another --out.",
    });
  }
}

/** Writes `files` as the folder `out`, atomically. */
export async function writeSet(out: string, files: readonly OutFile[], replace: boolean): Promise<void> {
  await checkOut(out, replace);
  const target = resolve(out);
  const parent = dirname(target);
  const tag = crypto.randomUUID().slice(0, 8);
  const tmp = join(parent, `.${basename(target)}.import-${tag}`);
  await Deno.mkdir(tmp, { mode: 0o755 });
  let old: string | undefined;
  try {
    for (const f of files) {
      if (f.name.includes("/") || f.name.startsWith(".") && f.name !== ".leger.yaml") {
        throw new Error(`refusing the file name ${f.name}`);
      }
      const file = await Deno.open(join(tmp, f.name), { write: true, createNew: true, mode: f.mode });
      try {
        const bytes = new TextEncoder().encode(f.text);
        for (let n = 0; n < bytes.length;) n += await file.write(bytes.subarray(n));
        await file.sync();
      } finally {
        file.close();
      }
      await Deno.chmod(join(tmp, f.name), f.mode);
    }
    await syncDir(tmp);
    if (await lstat(target)) {
      old = join(parent, `.${basename(target)}.old-${tag}`);
      await Deno.rename(target, old);
    }
    await Deno.rename(tmp, target);
    await syncDir(parent);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (old && !(await lstat(target))) await Deno.rename(old, target).catch(() => {});
    throw new LegerError(`Cannot write ${out}: ${(e as Error).message}`, { cause: e });
  }
  if (old) await Deno.remove(old, { recursive: true }).catch(() => {});
}
