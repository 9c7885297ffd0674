/**
 * What every group of `--help` prose shares: the shape of one command's
 * prose, and the paragraph on signed commits several commands repeat.
 *
 * @module
 */

/** The teaching part of one command's help. */
export interface HelpProse {
  /** What the command does, in full sentences. */
  description: string;
  /** `[command line, what it does]`, at least one. */
  examples: [string, string][];
  /** More paragraphs shown after the examples. */
  notes?: string[];
}

/** The trust rule, as install, stage and update explain it. */
export const TRUST =
  "With a trust rule in config.yaml (trust:, e.g. default: { verify: signed }), only a commit signed by a key it names is installed, staged or applied (for a ref that is a tag: the annotated tag, signed); anything else is refused with exit code 8 and changes nothing. --allow-unsigned takes it anyway, recorded as not verified (leger status shows it).";
