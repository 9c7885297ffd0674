/**
 * The `--help` prose of one group of commands (commands/help/text.ts
 * gathers the groups). Checks: validate, check-conflicts, doctor.
 *
 * @module
 */
import type { HelpProse } from "./prose.ts";

/** Each command's prose, keyed by its path. */
export const CHECKS_HELP: Record<string, HelpProse> = {
  validate: {
    description:
      "Report every problem at once with file, line, column, code and a fix: syntax, keys by podman version, values, references, drop-ins, templates, secrets, and conflicts with installed sets and this host. Where the host has podman's generator, its verdict is folded in.",
    examples: [
      ["leger validate ./my-set", "check a folder against this host"],
      ["leger validate . --no-host --strict --podman-version 5.4", "in CI: no host, warnings fail, podman 5.4's keys"],
      ["leger validate . --no-host --sarif > leger.sarif", "SARIF for code-scanning services"],
    ],
    notes: [
      "A folder with no units of its own whose subfolders are sets is validated set by set, with references between its sets resolved, and a summary per set.",
      "Without a host (--no-host) and without --podman-version, keys are checked against the podman versions the set declares (podman: in .leger.yaml) or the config's podman-versions; with neither, a key some supported podman lacks is a warning naming the version it needs.",
      "Exit codes: 0 no errors (warnings alone pass), 3 errors found (or warnings with --strict).",
      'Every code is explained in docs/VALIDATION.md; --json output has "version": 1 and follows docs/schemas/validate.schema.json.',
    ],
  },
  "check-conflicts": {
    description:
      "Answer who uses a host port or a podman volume among the installed sets, or list what one set clashes with (ports, volumes, container and unit names).",
    examples: [
      ["leger check-conflicts --port 8080", "which set publishes host port 8080?"],
      ["leger check-conflicts --volume web-data", "which sets use the volume web-data?"],
      ["leger check-conflicts web", "what does web clash with?"],
    ],
  },
  doctor: {
    description:
      "Check that this host can run leger (podman and its quadlet generator, the backend it allows, systemd, linger for your user, git, writable folders) and say how to fix what is missing. Exits 1 when a check fails.",
    examples: [["leger doctor", "check your user's setup"], ["sudo leger --scope system doctor", "check root's setup"]],
  },
};
