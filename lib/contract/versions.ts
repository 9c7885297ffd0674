/**
 * Versions of the JSON documents printed without loading zod (the error
 * document of main.ts, and `leger list`, which runs before commander and
 * zod load): kept here, free of zod, so that start-up does not load the
 * schemas. The progress events' version lives with the logger that writes
 * them (lib/core/log.ts).
 *
 * @module
 */

/** Version of the `--json` error document (lib/contract/misc.ts `ErrorJson`). */
export const ERROR_JSON_VERSION = 1;

/** Version of `leger list --json` (lib/contract/sets.ts `ListJson`), which commands/list.ts prints without zod. */
export const LIST_JSON_VERSION = 1;
