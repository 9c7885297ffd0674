/**
 * How leger finds the programs it starts: one lookup, as `which` does it.
 * A PATH entry the user may not search (`/root/bin` seen by a normal user,
 * a folder of mode 0700 owned by someone else) and a candidate that cannot
 * be examined are passed over, never an error: a PATH kept from root by
 * `su` or `sudo` must not stop a backup before it starts.
 *
 * The shell seam (lib/host/shell.ts) gives dax only the folders this module
 * keeps, and answers `$.which` and `$.commandExists` with
 * {@linkcode findProgram}; commands/list.ts and the podman probe cache,
 * which start programs without dax, look them up here too. Free of npm
 * libraries: `leger list` loads it before anything else.
 *
 * @module
 */

/** The PATH used when the environment has none (as a shell's default). */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * The PATH entries this process may search, in order: empty entries go,
 * and so does every entry whose `ENTRY/.` cannot be stat'ed (missing, not
 * a folder, or a folder without search permission for this user).
 */
export function searchablePath(path: string | undefined): string {
  return searchableDirs(path).join(":");
}

function searchableDirs(path: string | undefined): string[] {
  const kept: string[] = [];
  for (const dir of (path ?? DEFAULT_PATH).split(":")) {
    if (dir === "" || kept.includes(dir)) continue;
    try {
      // `dir/.` resolves only when the folder may be searched: stat of the folder itself would pass for 0700 root:root.
      if (Deno.statSync(`${dir}/.`).isDirectory) kept.push(dir);
    } catch {
      continue;
    }
  }
  return kept;
}

let groups: Set<number> | undefined;

/** This process's groups: the effective one and the supplementary ones (/proc/self/status). */
function ownGroups(): Set<number> {
  if (groups) return groups;
  groups = new Set([Deno.gid() ?? -1]);
  try {
    const line = Deno.readTextFileSync("/proc/self/status").split("\n").find((l) => l.startsWith("Groups:"));
    for (const g of line?.slice("Groups:".length).trim().split(/\s+/) ?? []) {
      if (/^\d+$/.test(g)) groups.add(Number(g));
    }
  } catch { /* no /proc: the effective group only */ }
  return groups;
}

/** Whether this process may execute a file with this stat (as access(2) with X_OK decides). */
function executable(st: Deno.FileInfo): boolean {
  const mode = st.mode ?? 0;
  const uid = Deno.uid();
  if (uid === 0) return (mode & 0o111) !== 0;
  if (st.uid === uid) return (mode & 0o100) !== 0;
  if (st.gid !== null && ownGroups().has(st.gid)) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

/**
 * The full path of program `name`: the first PATH entry holding a regular
 * file of that name that this process may execute, as `which` answers;
 * undefined when there is none. A name with a slash is taken as a path.
 * Nothing here throws: what cannot be examined is not the program.
 */
export function findProgram(name: string, path: string | undefined): string | undefined {
  if (name === "") return undefined;
  const candidates = name.includes("/") ? [name] : searchableDirs(path).map((dir) => `${dir}/${name}`);
  for (const candidate of candidates) {
    try {
      const st = Deno.statSync(candidate);
      if (st.isFile && executable(st)) return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}
