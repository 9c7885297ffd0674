/**
 * Following tags: the newest tag that matches a pattern such as `v1.*`,
 * in semantic-version order (`v1.10.0` is newer than `v1.9.2`; a
 * pre-release such as `v2.0.0-rc.1` is older than `v2.0.0`).
 *
 * @module
 */

/** A version read from a tag name; undefined parts count as 0. */
interface Version {
  core: number[];
  pre: string[];
}

/** Reads `v1.2.3`, `1.2`, `release-1.2.3-rc.1`: the first run of dotted numbers and what follows a `-`. */
function versionOf(tag: string): Version | undefined {
  const m = /(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!m) return undefined;
  return { core: m[1]!.split(".").map(Number), pre: m[2] ? m[2].split(".") : [] };
}

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // a release is newer than its pre-releases
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i], y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x), ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Orders two tag names by their versions (names without one sort first, by name). */
export function compareTags(a: string, b: string): number {
  const va = versionOf(a), vb = versionOf(b);
  if (!va || !vb) return va ? 1 : vb ? -1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < Math.max(va.core.length, vb.core.length); i++) {
    const d = (va.core[i] ?? 0) - (vb.core[i] ?? 0);
    if (d !== 0) return d;
  }
  return comparePre(va.pre, vb.pre);
}

/** Whether a tag name matches a glob (`*` any run of characters, `?` one character). */
export function tagMatches(pattern: string, tag: string): boolean {
  const re = new RegExp(
    "^" + pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("") +
      "$",
  );
  return re.test(tag);
}

/** The newest tag of `tags` that matches `pattern`, or undefined. */
export function newestTag(pattern: string, tags: readonly string[]): string | undefined {
  return tags.filter((t) => tagMatches(pattern, t)).sort(compareTags).pop();
}
