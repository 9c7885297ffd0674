/**
 * Versions of the JSON documents printed without loading zod (the error
 * document of main.ts, the logger's progress events, and `leger list`,
 * which runs before commander and zod load): kept here, free of zod, so
 * that start-up does not load the schemas.
 *
 * @module
 */

/** Version of the `--json` error document (lib/contract/misc.ts `ErrorJson`). */
export const ERROR_JSON_VERSION = 1;

/** Version of a `--json` progress event on stderr (lib/contract/misc.ts `EventJson`). */
export const EVENT_JSON_VERSION = 1;

/** Version of `leger list --json` (lib/contract/sets.ts `ListJson`), which commands/list.ts prints without zod. */
export const LIST_JSON_VERSION = 1;
