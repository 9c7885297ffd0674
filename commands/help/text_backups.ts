/**
 * The `--help` prose of one group of commands (commands/help/text.ts
 * gathers the groups). Backups and recovery: backup, backup prune, backups, restore, recover.
 *
 * @module
 */
import type { HelpProse } from "./prose.ts";

/** Each command's prose, keyed by its path. */
export const BACKUPS_HELP: Record<string, HelpProse> = {
  backup: {
    description:
      "Back up the set's files, its manifest and the data of every podman volume it uses. The units that use a volume are stopped for a consistent copy and started again afterwards, even when the backup fails (--live keeps them running); where every volume sits on storage that clones (btrfs, xfs with reflink) they are not stopped but frozen (systemctl freeze: paused, connections wait) only while a reflink copy is made, then thawed, and the archives are made from the copies while the service runs: the copy is what a power cut at that instant would leave, which databases with a journal recover from; --stop stops them for the copy instead, for the copy of a clean shutdown; where systemd cannot freeze them, they are stopped for the copy, with a warning (leger doctor and leger backup --dry-run say which path this host's volumes take); when one does not start again, the backup is kept, systemd's words are shown, and the exit code is 1. Bind mounts of host paths are listed but not archived unless --include-binds. Old backups are pruned by backup-retention in the config.",
    examples: [
      ["leger backup web", "back up web with its volume data"],
      ["leger backup all --live --reason nightly", "every set, without stopping anything"],
      ["leger backup web --stop", "on btrfs or xfs, stop web for the reflink copy instead of freezing it"],
    ],
    notes: ['This command runs the "backup" workflow; change it with: leger workflow eject backup'],
  },
  "backup prune": {
    description:
      "Remove the backups beyond backup-retention in the config (a count and/or an age). The newest good backup of a set is never removed.",
    examples: [["leger backup prune", "apply the retention to every set"], [
      "leger backup prune --dry-run",
      "say what would go",
    ]],
  },
  backups: {
    description:
      "List the backups of a set (or of all sets), newest first, with the set's version, size, age and reason.",
    examples: [["leger backups web", "backups of web"], ["leger backups --json", "every backup, as JSON"]],
  },
  restore: {
    description:
      "Verify every checksum of the backup (a damaged one is refused before anything changes), back up the current state, stop the units, put the files back, recreate each volume with the backup's exact content, start the units and check their health. If they do not come up, the state before the restore is put back (exit code 7). Without an id, the newest backup. Works for a set that is not installed: copy its backup folder into the backup folder of the new host first. Where the volumes sit on storage that clones (btrfs, xfs with reflink), the current data is not archived first but moved aside (a rename) and kept until the restored set is healthy; it is put back exactly when the restore fails or is interrupted (see leger recover). Afterwards leger restore archives it as the before-restore backup in the background (--previous archive, the default) or removes it (--previous drop).",
    examples: [
      ["leger restore web", "the newest backup of web"],
      ["leger restore web 2026-06-01T12-00-00-000Z", "a given backup (ids from leger backups web)"],
      ["leger restore web --previous drop --yes", "on btrfs: do not keep the data web had before"],
    ],
  },
  recover: {
    description:
      "Every state change is journaled. The next run finishes or undoes an interrupted one by itself; when that fails (podman refused, a backup is gone), the entry stays and blocks only its own set. recover tries again (all sets, or NAME); --abandon stops trying for NAME: it lists what the operation left on the host, asks, then sets the journal entry aside (kept as .abandoned) and changes nothing else. leger doctor lists pending recoveries.",
    examples: [
      ["leger recover", "retry every pending recovery"],
      ["leger recover web", "retry web's"],
      ["leger recover web --abandon --dry-run --json", "what abandoning would leave behind, as JSON"],
      ["leger recover web --abandon --yes", "stop trying; the host stays as it is"],
    ],
  },
};
