/**
 * The one way leger reads a set from disk: a folder from a checkout or
 * the user, leger's stored copy, a staged copy or a backup's files.
 * Whatever reads a set (install, stage, validate, check-conflicts, diff,
 * restore) comes through here, so the same rules hold everywhere:
 *
 * - no link that leaves the folder (the target is never opened, and its
 *   path is not printed); links that stay inside are followed;
 * - only regular files and folders: no device, FIFO or socket is opened;
 * - limits on the size of a file, on the size of all files together and
 *   on the number of entries, checked on the metadata before any read;
 * - names without control characters, line breaks or bytes that are not
 *   UTF-8; no `..` or absolute names; bundle members whose `FileName=`
 *   escapes are refused too;
 * - text files (units, drop-ins, bundles, `.leger.yaml`) must be UTF-8.
 *
 * A refused entry is a {@linkcode SetRefusal} naming the file; callers
 * either refuse the set (install, stage) or report each at its file
 * (validate).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { splitBundle } from "../quadlet/bundle.ts";
import { isDropinDir } from "../quadlet/dropins.ts";
import { quadletKind } from "../quadlet/kinds.ts";
import { LEGER_YAML } from "../meta/set_meta.ts";
import { NAME_CONTROLS as CONTROL, printable } from "../core/escape.ts";
import { readInside } from "./open_inside.ts";

/** Limits of one set. */
export interface SetLimits {
  /** Largest file, in bytes. */
  fileBytes: number;
  /** All files together, in bytes. */
  totalBytes: number;
  /** Entries (files and folders) walked. */
  entries: number;
  /** Folder depth below the set. */
  depth: number;
}

/** The limits every command uses: far above any real quadlet set, far below what hurts. */
export const SET_LIMITS: SetLimits = { fileBytes: 4 << 20, totalBytes: 32 << 20, entries: 2000, depth: 6 };

/** Why an entry was refused. */
export type RefusalCode =
  | "set/link-outside"
  | "set/broken-link"
  | "set/special-file"
  | "set/too-large"
  | "set/too-many-files"
  | "set/bad-name"
  | "set/changed"
  | "set/not-utf8"
  | "set/bundle-escape";

/** One refused entry. */
export interface SetRefusal {
  /** The entry's name relative to the set, escaped for printing. */
  file: string;
  /** Stable code, documented in docs/VALIDATION.md. */
  code: RefusalCode;
  /** What is wrong (never the content, never a link's target). */
  message: string;
  /** What to do. */
  fix: string;
}

/** One file read from a set. */
export interface SetEntry {
  /** Name relative to the set (`web.container`, `web.container.d/10-x.conf`). */
  name: string;
  /** Bytes (only when read). */
  bytes?: Uint8Array;
  /** Size in bytes. */
  size: number;
}

/** What the loader found. */
export interface SetTree {
  /** Files that passed, sorted by name (code-point order). */
  files: SetEntry[];
  /** Entries refused, sorted by name. */
  refused: SetRefusal[];
}

/** Options of a walk. */
export interface WalkOptions {
  /** Which files to read (by relative name); the others are listed with their size only. */
  read: (name: string) => boolean;
  /** Descend into subfolders beyond drop-in folders (validate looks for misplaced units). */
  deep?: boolean;
  /** Which refused entries matter (others are dropped silently): default every one. */
  matters?: (name: string) => boolean;
  /** Limits; default {@linkcode SET_LIMITS}. */
  limits?: SetLimits;
}

const SKIP_DIRS = new Set([".git", "node_modules", ".github"]);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** True for the files leger treats as text of the set (units, drop-ins, bundles, .leger.yaml). */
export function isSetText(name: string): boolean {
  const base = name.slice(name.lastIndexOf("/") + 1);
  if (name.includes("/")) return name.endsWith(".conf") || quadletKind(base) !== undefined;
  return quadletKind(base) !== undefined || base.endsWith(".quadlets") || base === LEGER_YAML;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** For a link whose target is missing: does the path it holds leave `root`? (Reads the link, never a target.) */
function danglingLeaves(root: string, path: string): boolean {
  try {
    const target = resolve(dirname(path), Deno.readLinkSync(path));
    return !(target === root || target.startsWith(root + "/"));
  } catch {
    return false;
  }
}

/**
 * Walks a set folder and reads the files `opts.read` picks. Never throws
 * for a bad entry (it is refused); throws only when `dir` itself is not a
 * readable folder.
 */
export function walkSet(dir: string, opts: WalkOptions): Promise<SetTree> {
  try {
    return Promise.resolve(walkSetSync(dir, opts));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** {@linkcode walkSet}, synchronously. */
export function walkSetSync(dir: string, opts: WalkOptions): SetTree {
  const limits = opts.limits ?? SET_LIMITS;
  const root = Deno.realPathSync(dir);
  const files: SetEntry[] = [];
  const refused: SetRefusal[] = [];
  const matters = opts.matters ?? (() => true);
  let entries = 0;
  let total = 0;
  let stopped = false;
  const refuse = (name: string, code: RefusalCode, message: string, fix: string) => {
    if (matters(name)) refused.push({ file: printable(name), code, message, fix });
  };
  const inside = (real: string) => real === root || real.startsWith(root + "/");

  // Synchronous on purpose: a set is small, and each await of an fs call costs a trip through the
  // thread pool (reading 99 sets went from seconds to tens of milliseconds on a busy machine).
  const walk = (rel: string, depth: number): void => {
    const names: Deno.DirEntry[] = [];
    for (const e of Deno.readDirSync(rel ? join(root, rel) : root)) {
      if (++entries > limits.entries) {
        stopped = true;
        return;
      }
      names.push(e);
    }
    names.sort((a, b) => cmp(a.name, b.name));
    for (const e of names) {
      if (stopped) return;
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && SKIP_DIRS.has(e.name)) continue;
      if (CONTROL.test(e.name) || e.name.includes("\ufffd")) {
        refuse(
          name,
          "set/bad-name",
          `the name ${printable(name)} holds control characters, a line break or bytes that are not UTF-8`,
          "rename it to plain printable characters",
        );
        continue;
      }
      if (e.name.startsWith("-")) {
        // Unit names come from file names, and systemctl, journalctl and podman would read "-x" as an option.
        refuse(name, "set/bad-name", `the name ${printable(name)} starts with '-'`, "rename it");
        continue;
      }
      const path = join(root, name);
      let info: Deno.FileInfo;
      let real = path; // what is opened: the link's resolved path, never the link again
      if (e.isSymlink) {
        try {
          real = Deno.realPathSync(path);
        } catch {
          if (danglingLeaves(root, path)) {
            refuse(
              name,
              "set/link-outside",
              `${name} points outside the set: leger does not follow links out of a set`,
              "copy the file into the set",
            );
          } else {
            refuse(name, "set/broken-link", `${name} is a link to nothing`, "remove the link or restore what it names");
          }
          continue;
        }
        if (!inside(real)) {
          refuse(
            name,
            "set/link-outside",
            `${name} points outside the set: leger does not follow links out of a set`,
            "copy the file into the set, or make the link point at a file inside the set's folder",
          );
          continue;
        }
        info = Deno.lstatSync(real);
      } else {
        info = Deno.lstatSync(path);
      }
      if (info.isDirectory) {
        const hidden = e.name.startsWith(".");
        if (!rel && isDropinDir(e.name)) walk(name, depth + 1);
        else if (opts.deep && !hidden && depth < limits.depth) walk(name, depth + 1);
        continue;
      }
      if (!info.isFile) {
        refuse(
          name,
          "set/special-file",
          `${name} is a device, FIFO or socket, not a file; leger does not open it`,
          "remove it from the set",
        );
        continue;
      }
      if (!opts.read(name)) {
        files.push({ name, size: info.size });
        continue;
      }
      if (info.size > limits.fileBytes) {
        refuse(
          name,
          "set/too-large",
          `${name} is ${info.size} bytes, more than the ${limits.fileBytes} a file of a set may have`,
          "keep large files out of the set (mount them from the host)",
        );
        continue;
      }
      if (total + info.size > limits.totalBytes) {
        refuse(
          name,
          "set/too-large",
          `the files of the set are more than ${limits.totalBytes} bytes together`,
          "keep large files out of the set",
        );
        stopped = true;
        return;
      }
      const read = readInside(real, root, limits.fileBytes, info);
      if ("problem" in read) {
        refuse(name, "set/changed", `${name}: ${read.problem}`, "try again when nothing changes the set's folder");
        continue;
      }
      const bytes = read.bytes;
      if (bytes.length > info.size) {
        refuse(name, "set/too-large", `${name} grew while being read`, "try again when nothing writes to it");
        continue;
      }
      total += bytes.length;
      if (isSetText(name)) {
        let text: string;
        try {
          text = utf8.decode(bytes);
        } catch {
          refuse(name, "set/not-utf8", `${name} is not UTF-8 text`, "save it as UTF-8");
          continue;
        }
        if (name.endsWith(".quadlets")) {
          const bad = splitBundle(text).problems.find((p) => p.code === "bundle/bad-filename");
          if (bad) {
            refuse(name, "set/bundle-escape", `${name} line ${bad.line}: ${bad.message}`, bad.fix);
            continue;
          }
        }
      }
      files.push({ name, bytes, size: bytes.length });
    }
  };
  walk("", 0);
  if (stopped && entries > limits.entries) {
    refused.push({
      file: ".",
      code: "set/too-many-files",
      message: `the folder holds more than ${limits.entries} entries; a set is a handful of files`,
      fix: "point leger at the folder that holds the set itself",
    });
  }
  refused.sort((a, b) => cmp(a.file, b.file));
  return { files, refused };
}

/** True when a relative name is safe: no `..`, not absolute, no control characters. */
export function isSafeName(name: string): boolean {
  return name !== "" && !name.startsWith("/") && !CONTROL.test(name) &&
    name.split("/").every((p) => p !== "" && p !== "." && p !== "..");
}

/**
 * Reads one file of a set by relative name (a file a unit names, such as
 * `EnvironmentFile=app.env`), under the same rules as {@linkcode walkSet}.
 * Returns undefined when it does not exist (validation reports that).
 */
export function readSetFile(
  dir: string,
  rel: string,
  limits: SetLimits = SET_LIMITS,
): Promise<SetEntry | SetRefusal | undefined> {
  try {
    return Promise.resolve(readSetFileSync(dir, rel, limits));
  } catch (error) {
    return Promise.reject(error);
  }
}

function readSetFileSync(dir: string, rel: string, limits: SetLimits): SetEntry | SetRefusal | undefined {
  const name = printable(rel);
  if (!isSafeName(rel)) {
    return {
      file: name,
      code: "set/bad-name",
      message: `${name} is not a name inside the set`,
      fix: "name a file inside the set",
    };
  }
  const root = Deno.realPathSync(dir);
  let real: string;
  try {
    real = Deno.realPathSync(join(root, rel));
  } catch {
    try {
      Deno.lstatSync(join(root, rel));
    } catch {
      return undefined;
    }
    if (danglingLeaves(root, join(root, rel))) {
      return {
        file: name,
        code: "set/link-outside",
        message: `${name} points outside the set: leger does not follow links out of a set`,
        fix: "copy the file into the set, or make the link point at a file inside the set's folder",
      };
    }
    return { file: name, code: "set/broken-link", message: `${name} is a link to nothing`, fix: "remove the link" };
  }
  if (real !== root && !real.startsWith(root + "/")) {
    return {
      file: name,
      code: "set/link-outside",
      message: `${name} points outside the set: leger does not follow links out of a set`,
      fix: "copy the file into the set, or make the link point at a file inside the set's folder",
    };
  }
  const info = Deno.lstatSync(real);
  if (info.isDirectory) return undefined;
  if (!info.isFile) {
    return {
      file: name,
      code: "set/special-file",
      message: `${name} is a device, FIFO or socket, not a file; leger does not open it`,
      fix: "remove it from the set",
    };
  }
  if (info.size > limits.fileBytes) {
    return {
      file: name,
      code: "set/too-large",
      message: `${name} is ${info.size} bytes, more than the ${limits.fileBytes} a file of a set may have`,
      fix: "keep large files out of the set (mount them from the host)",
    };
  }
  const read = readInside(real, root, limits.fileBytes, info);
  if ("problem" in read) {
    return { file: name, code: "set/changed", message: `${name}: ${read.problem}`, fix: "try again" };
  }
  const bytes = read.bytes;
  if (bytes.length > info.size) {
    return { file: name, code: "set/too-large", message: `${name} grew while being read`, fix: "try again" };
  }
  return { name: rel, bytes, size: bytes.length };
}

/** True for a refusal (as opposed to a file). */
export function isRefusal(x: SetEntry | SetRefusal): x is SetRefusal {
  return "code" in x;
}
