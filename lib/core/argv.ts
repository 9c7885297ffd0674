/**
 * Values from outside (a set's file, unit, volume, secret, container and
 * image names, a backup's host paths) become operands of podman, systemctl,
 * journalctl, busctl and tar, never options. Two locks on the same door:
 * every such call puts `--` before its operands (each tool's parser stops
 * reading options there; checked with podman 5.4, 5.8 and 6.1, systemd 262,
 * GNU tar 1.34/1.35), and {@linkcode operand} refuses a value that starts
 * with `-` or holds a control character before any process runs, so a tool
 * or a call site that missed the `--` still cannot be steered.
 *
 * The fact that forced it: a ref from a repository reached `git fetch` as
 * `--upload-pack=...` and ran a command (issue 24); the same review found
 * podman accepting a secret named `--weird` (podman 5.8.6), so names that
 * podman stores can come back as options.
 *
 * @module
 */
import { LegerError } from "./errors.ts";

/**
 * Returns `value` when it can only be read as an operand; throws (exit 3)
 * naming `what` it is otherwise.
 */
export function operand(value: string, what: string): string {
  // deno-lint-ignore no-control-regex
  if (value === "" || value.startsWith("-") || /[\x00-\x1f\x7f]/.test(value)) {
    throw new LegerError(
      `Cannot use the ${what} ${JSON.stringify(value)}: it is empty, starts with '-' or holds a control character`,
      {
        exitCode: 3,
        hint: "Rename it: a name that starts with '-' would be read as an option by the tools leger runs.",
      },
    );
  }
  return value;
}

/** Every value through {@linkcode operand}. */
export function operands(values: readonly string[], what: string): string[] {
  return values.map((v) => operand(v, what));
}
