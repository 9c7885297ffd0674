/**
 * The `--help` prose of one group of commands (commands/help/text.ts
 * gathers the groups). Updates: stage, staged, diff, apply, discard, update, and the update policy.
 *
 * @module
 */
import { type HelpProse, TRUST } from "./prose.ts";

/** Each command's prose, keyed by its path. */
export const UPDATES_HELP: Record<string, HelpProse> = {
  stage: {
    description:
      "Fetch the set's source again (or at --ref), validate it, and keep it in the staging area. Nothing on the host changes. Sets from one repository are fetched once. A new version that asks more of the host than the installed one (new risk findings) is called out. With --dry-run nothing is kept: the diff is shown (and given with --json), as update --dry-run does.",
    examples: [
      ["leger stage all", "look for new versions of every set"],
      ["leger stage web --ref v2.1.0", "stage a given tag"],
      ["leger stage web --dry-run --json", "what a new version would change, staging nothing (Ansible's check mode)"],
      ["leger stage web --allow-unsigned", "stage a commit the trust rule refuses; leger apply needs the flag too"],
    ],
    notes: [TRUST],
  },
  staged: {
    description: "List the staged versions: which set, from which version to which, and when it was staged.",
    examples: [["leger staged", "what leger apply would apply"]],
  },
  diff: {
    description:
      "Show what applying the staged version of a set would change: a unified diff of every file, and a summary of images, ports, environment, secrets and volumes changed and which units would restart, start or stop. The summary names at most six items per kind and counts the rest (… and 19,994 more); --json lists every one. A file whose every line changed is diffed with a cost bound, as GNU diff does, so the diff stays fast and correct though not always the shortest.",
    examples: [
      ["leger diff web", "review the staged update of web"],
      ["leger diff web | less -R", "page a long diff"],
      ["leger diff web --json", "every changed key, port and unit, for a script"],
    ],
  },
  apply: {
    description:
      "Apply staged versions: pull the images the new version needs and the host lacks (while the old version still runs; as each unit's Pull= or Policy= says, never for never), back up the set with its volume data, install the new files, restart only the units whose files changed, and check their health. A pull that fails stops the apply before anything stops. If the units do not come up, the previous files and volume data are put back (exit code 7).",
    examples: [
      ["leger apply web", "apply the staged version of web"],
      ["leger apply all --dry-run", "show what would restart, change nothing"],
    ],
    notes: [
      "The staged version's signature check must still stand under the trust rule in force (config.yaml may have changed since it was staged): signed by a key the rule allows, or --allow-unsigned.",
    ],
  },
  discard: {
    description: "Drop a staged version (or all of them); the installed set is not touched.",
    examples: [["leger discard web", "forget the staged version of web"], ["leger discard all", "forget all"]],
  },
  update: {
    description:
      'Stage the named sets (or all), show each diff, ask, and apply: the "update" workflow. Without a terminal it needs --yes.',
    examples: [
      ["leger update", "update every set, asking for each"],
      ["leger update web --yes", "update web without asking (for scripts)"],
      ["leger update --dry-run", "stage and show the diffs only"],
    ],
    notes: [TRUST, "Change what it does with: leger workflow eject update"],
  },
  policy: {
    description:
      "Each set has an unattended-update policy that the leger daemon follows: off, notify (stage a new version and report it) or apply (stage it and apply it with the usual backup, health gate and rollback), what to follow (the branch the set was installed from, or the newest tag matching a pattern), how often to look, and an optional maintenance window. The set's author gives a default in its .leger.yaml (updates:); the host owner overrides it per set in config.yaml (updates.sets.NAME), which these commands read and edit.",
    examples: [
      ["leger policy show", "every set's policy and where each part comes from"],
      [
        "leger policy set web --policy apply --window 'Sun *-*-* 03:00..05:00'",
        "apply new versions of web on Sunday nights",
      ],
      ["leger policy reset web", "back to web's own .leger.yaml"],
    ],
    notes: [
      "Layers, lowest first: updates.default in config.yaml, updates: in the set's .leger.yaml, updates.sets.NAME in config.yaml. The daemon reads config.yaml again at every cycle: no restart is needed.",
    ],
  },
  "policy show": {
    description:
      "Show the policy each installed set (and each set config.yaml names) follows on this host: policy, what it follows, interval, window, the host's override and the layers it was merged from.",
    examples: [["leger policy show", "every set"], ["leger policy show web --json", "one set, as JSON"]],
  },
  "policy set": {
    description:
      "Override parts of a set's policy on this host. config.yaml is edited in place (comments and other keys stay), checked whole, and written atomically while holding the scope lock; parts not named stay as they were. A --no- form drops that part of the override, so the set's own .leger.yaml applies again. The set need not be installed yet (a set a fleet repository will assign, for example). With --json the answer says whether anything changed (changed: false when the override already was so).",
    examples: [
      ["leger policy set web --policy notify", "stage new versions of web and report them; apply by hand"],
      ["leger policy set web --policy apply --follow 'tag:v1.*' --interval 15m", "apply the newest v1 tag"],
      ["leger policy set web --no-window --dry-run --json", "would dropping the window change anything?"],
    ],
    notes: [
      "Windows are systemd calendar expressions read as the minutes they match, plus a clock span such as 03:00..05:00 (see systemd.time(7)).",
    ],
  },
  "policy reset": {
    description:
      "Drop the host's whole override of a set's policy (updates.sets.NAME in config.yaml); the set's .leger.yaml and updates.default apply again.",
    examples: [["leger policy reset web", "web follows its own .leger.yaml again"]],
  },
};
