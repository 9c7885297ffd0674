/**
 * Which end-to-end test file runs on which test host, and in what order.
 *
 * Every file runs on every suite unless the table below says otherwise
 * (a new file is never left out silently). A file runs on fewer suites
 * when what it tests does not depend on the podman version: leger's lock
 * discipline, restore's checks on forged backups, the host checks and
 * the Ansible collection behave the same on podman 5.4, 5.8 and 6.1, and
 * run once, on sid. Files about the backends, the unit model, secrets,
 * validation and the daemon's sandbox run on every suite, because podman
 * and systemd differ there. The tier is CPU-bound on two cores, so every
 * run that proves nothing new is time taken from the runs that do.
 *
 * Jobs are (suite, file) pairs, longest first, so a pool of workers ends
 * together instead of waiting on one long file at the end. Most files run
 * on a host the runner booted and shares between them (one at a time, put
 * back as it was in between: tests/e2e/shared_host.ts); the files in
 * {@linkcode OWN_HOSTS} boot their own.
 *
 * @module
 */
import type { Suite } from "../../tests/host/rootfs.ts";

/** Files that run on fewer than all suites, with why. */
export const E2E_ONLY_ON: Readonly<Record<string, { suites: Suite[]; why: string }>> = {
  "backup_cow_test.ts": {
    suites: ["sid"],
    why: "reflink copies and moving data aside on btrfs: the file system, not a podman version (boots its own host)",
  },
  "build_unit_test.ts": {
    suites: ["sid", "trixie"],
    why:
      "how the health gate reads a finished build: 5.8 native and files, 5.4 files (6.1 builds need tmpfs, see compose)",
  },
  "compose_import_test.ts": {
    suites: ["sid", "sid-podman6"],
    why: "installs with the native backend (podman 5.6+); trixie's files backend is the other files' subject",
  },
  "fleet_ansible_test.ts": { suites: ["sid"], why: "many hosts and Ansible, not a podman version" },
  "gitops_test.ts": {
    suites: ["sid", "sid-podman6"],
    why: "unattended updates drive the native backend and podman auto-update (5.8, 6.1)",
  },
  "host_checks_test.ts": { suites: ["sid"], why: "leger's checks of the host and its escaping" },
  "hostile_backup_test.ts": { suites: ["sid"], why: "restore's checks on forged backups, before podman is asked" },
  "hostile_ref_test.ts": {
    suites: ["sid"],
    why: "git refs, credentials and Ansible's check mode, not a podman version",
  },
  "older_podman_test.ts": { suites: ["trixie"], why: "about podman 5.4 only" },
  "path_test.ts": { suites: ["sid"], why: "how leger finds programs on PATH, not a podman version" },
  "podman_upgrade_test.ts": { suites: ["sid"], why: "boots its own 5.8 host and upgrades it to 6.1" },
  "signed_test.ts": {
    suites: ["sid", "trixie"],
    why: "signature checks depend on git, gpg and ssh-keygen (sid: 2.55, 2.4.9, 10.6; trixie: 2.47, 2.4.7, 10.0), " +
      "not on podman; sid-podman6 has sid's",
  },
  "setec_outage_test.ts": { suites: ["sid"], why: "how leger meets Setec's outages, not a podman version" },
  "rotation_lock_test.ts": { suites: ["sid"], why: "the scope lock between the daemon and the CLI" },
  "shared_host_test.ts": { suites: ["sid"], why: "the test hosts' reset between files, checked once" },
};

/** Files that boot their own hosts instead of using the suite's shared one, with why. */
export const OWN_HOSTS: Readonly<Record<string, string>> = {
  "backup_cow_test.ts": "its container storage on a loop-mounted btrfs image (bootHost's storage option)",
  "fleet_ansible_test.ts": "three hosts at once, driven by Ansible",
  "host_smoke_test.ts": "tests the boot itself (a fresh host, with and without the test images)",
  "podman_upgrade_test.ts": "upgrades podman in place: a host nobody else may use",
};

/**
 * Rough length of each file's run, in relative units (from the tier's
 * own timings): only the order of jobs depends on it.
 */
const WEIGHT: Readonly<Record<string, number>> = {
  "fleet_ansible_test.ts": 10,
  "gitops_test.ts": 8,
  "signed_test.ts": 6,
  "lifecycle_test.ts": 6,
  "templates_test.ts": 5,
  "secrets_test.ts": 4,
  "rotation_lock_test.ts": 4,
  "update_backup_test.ts": 3,
  "pull_test.ts": 3,
  "backup_cow_test.ts": 3,
  "daemon_unit_test.ts": 3,
  "validation_test.ts": 2,
};

/** One `deno test` run: a file on a suite; `shared` when it runs on the suite's shared host. */
export interface E2eJob {
  suite: Suite;
  file: string;
  shared: boolean;
}

/** The end-to-end files of `dir` (names ending in `_test.ts`), sorted. */
export async function e2eFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith("_test.ts")) files.push(entry.name);
  }
  return files.sort();
}

/** The jobs for `suites` over `files`, longest first; and what was left out, with why. */
export function planE2e(
  files: readonly string[],
  suites: readonly Suite[],
): { jobs: E2eJob[]; leftOut: string[] } {
  const jobs: E2eJob[] = [];
  const leftOut: string[] = [];
  for (const file of files) {
    const only = E2E_ONLY_ON[file];
    for (const suite of suites) {
      if (!only || only.suites.includes(suite)) jobs.push({ suite, file, shared: !(file in OWN_HOSTS) });
    }
    const skipped = only ? suites.filter((s) => !only.suites.includes(s)) : [];
    if (skipped.length) leftOut.push(`${file} not on ${skipped.join(", ")}: ${only!.why}`);
  }
  const weight = (j: E2eJob) => WEIGHT[j.file] ?? 1;
  // Stable: equal weights keep file order, and a suite's files stay together where they can.
  jobs.sort((a, b) => weight(b) - weight(a));
  return { jobs, leftOut };
}
