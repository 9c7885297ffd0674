/**
 * Versions of the two JSON documents printed outside any command's own
 * code (the error document of main.ts and the logger's progress events):
 * kept here, free of zod, so that start-up does not load the schemas.
 *
 * @module
 */

/** Version of the `--json` error document (lib/contract/misc.ts `ErrorJson`). */
export const ERROR_JSON_VERSION = 1;

/** Version of a `--json` progress event on stderr (lib/contract/misc.ts `EventJson`). */
export const EVENT_JSON_VERSION = 1;
