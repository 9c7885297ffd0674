/**
 * The one check every ref passes before it reaches git: the `#REF` of a
 * source, `--ref`, the ref part of a forge tree URL, `fleet.ref`, and every
 * branch or tag name a remote advertises (the updater follows tags by name).
 *
 * A ref is either a commit id (hex) or a name `git check-ref-format
 * --allow-onelevel` accepts, and never starts with `-`: git itself allows a
 * tag named `--upload-pack=...` (a review made one with `git update-ref`),
 * and `git fetch origin <that>` read it as an option and ran it. The rules
 * are written here rather than asked of `git check-ref-format`, whose 2.39
 * refuses `--` before the name (so the name itself could not be passed
 * safely), and so that a ref is refused before any process runs.
 *
 * @module
 */
import { UsageError } from "../core/errors.ts";

/** A full or abbreviated commit id. */
const COMMIT_ID = /^[0-9a-f]{7,64}$/i;

/**
 * Why `ref` is not a ref leger hands to git, or undefined when it is.
 * The empty string (the remote's HEAD) is accepted.
 */
export function refProblem(ref: string): string | undefined {
  if (ref === "" || COMMIT_ID.test(ref)) return undefined;
  if (ref.startsWith("-")) return "it starts with '-' (git would read it as an option)";
  if (ref === "@") return 'it is "@"';
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) {
    return "it holds a space, a control character or one of ~ ^ : ? * [ \\";
  }
  if (ref.includes("..")) return 'it holds ".."';
  if (ref.includes("@{")) return 'it holds "@{"';
  if (ref.startsWith("/") || ref.endsWith("/") || ref.includes("//")) {
    return "it starts or ends with '/' or holds '//'";
  }
  if (ref.endsWith(".")) return "it ends with '.'";
  for (const part of ref.split("/")) {
    if (part.startsWith(".")) return `its part "${part}" starts with '.'`;
    if (part.endsWith(".lock")) return `its part "${part}" ends with ".lock"`;
  }
  return undefined;
}

/** Whether `ref` passes {@linkcode refProblem}. */
export function isSafeRef(ref: string): boolean {
  return refProblem(ref) === undefined;
}

/**
 * Returns `ref` when it is safe to hand to git; otherwise throws a usage
 * error (exit 2) naming `where` it came from.
 */
export function checkRef(ref: string, where: string): string {
  const problem = refProblem(ref);
  if (problem === undefined) return ref;
  throw new UsageError(
    `Cannot use the ref ${JSON.stringify(ref)} (${where}): ${problem}`,
    "Name a branch, a tag or a commit id as git spells them (git check-ref-format).",
  );
}
