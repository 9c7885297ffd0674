/**
 * Notices an edit of config.yaml: the daemon's two loops (the secrets poll
 * and the updater's tick) each ask at the start of every cycle, and re-read
 * the config only when the file's bytes changed since they last looked.
 * SIGHUP re-reads at once; without it an edit counts from the next cycle,
 * the same way for both loops.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The file's content hash, "missing" when it is not there, "unreadable" when it cannot be read. */
function fingerprint(file: string): string {
  try {
    return createHash("sha256").update(Deno.readFileSync(file)).digest("hex");
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? "missing" : "unreadable";
  }
}

/** Watches one config file by content (a clock or mtime granularity cannot hide an edit). */
export class ConfigWatch {
  #seen: string;

  /** Starts from the file as it is now (the config just loaded). */
  constructor(readonly file: string) {
    this.#seen = fingerprint(file);
  }

  /** True once for each change of the file since the last call. */
  changed(): boolean {
    const now = fingerprint(this.file);
    if (now === this.#seen) return false;
    this.#seen = now;
    return true;
  }
}
