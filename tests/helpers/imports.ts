/**
 * What a module loads, read from the source: the tests that keep the daemon
 * (decision 45) and `leger list` (decision 46) free of npm libraries.
 *
 * @module
 */
import { dirname, join } from "node:path";

/** The modules a file imports for their values (static imports; `import type` is erased). */
export function valueImports(text: string, dynamic: boolean): string[] {
  const out: string[] = [];
  const statics = /^(?:import|export)\s+(type\s)?(?:[^'";]*?\sfrom\s+)?["']([^"']+)["']/gm;
  for (const m of text.matchAll(statics)) if (!m[1]) out.push(m[2]!);
  if (dynamic) { for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]!); }
  return out;
}

/**
 * Every module reached from the entries: absolute paths for the project's
 * files, the specifier for the others (`npm:`, bare names, `node:`). Files
 * reached follow their dynamic imports too unless `dynamic` is false.
 */
export async function reach(
  entries: Array<{ file: string; dynamic: boolean }>,
  options: { dynamic?: boolean } = {},
): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const { file, dynamic } = queue.shift()!;
    for (const spec of valueImports(await Deno.readTextFile(file), dynamic)) {
      if (!spec.startsWith(".")) {
        seen.add(spec);
        continue;
      }
      const next = join(dirname(file), spec);
      if (seen.has(next)) continue;
      seen.add(next);
      if (next.endsWith(".ts")) queue.push({ file: next, dynamic: options.dynamic ?? true });
    }
  }
  return seen;
}
