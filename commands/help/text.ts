/**
 * The prose of `--help`: each command's description, examples and notes,
 * keyed by its path ("" is leger itself, "daemon install" a subcommand).
 * Commands keep their flags and one-line summaries; the words that teach
 * live here, in one place, so that `--help`, the man page and the tests
 * read the same text. Paragraphs are single lines: the help printer wraps
 * them to the terminal. Lines that start with two spaces are kept as they
 * are (tables, YAML, commands).
 *
 * @module
 */
import type { HelpProse } from "./prose.ts";
import { SETS_HELP } from "./text_sets.ts";
import { UPDATES_HELP } from "./text_updates.ts";
import { CHECKS_HELP } from "./text_checks.ts";
import { WORKFLOWS_HELP } from "./text_workflows.ts";
import { SECRETS_HELP } from "./text_secrets.ts";
import { BACKUPS_HELP } from "./text_backups.ts";
import { MORE_HELP } from "./text_more.ts";

const EXIT_CODES =
  "Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid set, 4 locked, 5 not found, 6 host not ready (see leger doctor), 7 rolled back, 8 not signed by a key the trust rule allows (nothing changed), 78 configuration error, 141 stdout closed by its reader (leger diff web | head; nothing is printed).";

/** Every command's prose. A command missing here fails the help test. */
export const HELP: Record<string, HelpProse> = {
  "": {
    description:
      "Run containers as Podman Quadlets: install sets from Git, update them safely, back them up with their volumes, validate them, and keep their secrets in sync.",
    examples: [
      ["leger install https://github.com/org/quadlets/tree/main/web", "install a set from a forge and start it"],
      ["leger install ./my-set --name web --scope system", "install a local folder as root, under another name"],
      ["leger list", "sets and the state of their units"],
      ["leger logs web -f", "follow the journal of a set"],
    ],
    notes: [EXIT_CODES],
  },
  ...SETS_HELP,
  ...UPDATES_HELP,
  ...CHECKS_HELP,
  ...WORKFLOWS_HELP,
  ...SECRETS_HELP,
  ...BACKUPS_HELP,
  ...MORE_HELP,
};
