/**
 * Podman secrets through the shell seam. A value only ever travels on
 * podman's standard input (`podman secret create --replace NAME -`), never
 * in argv or the environment.
 *
 * @module
 */
import { z } from "zod";
import { ExitCode, LegerError } from "../core/errors.ts";
import { run, type Shell } from "../host/shell.ts";
import { operand } from "../core/argv.ts";

/** A Podman secret as `podman secret ls` shows it (never its value). */
export interface PodmanSecret {
  /** Secret ID. */
  id: string;
  /** Secret name. */
  name: string;
  /** Driver, e.g. `file`. */
  driver: string;
}

// Podman 5 prints flat rows; Podman 4 printed the inspect shape with Spec.
const Row = z.union([
  z.object({ ID: z.string(), Name: z.string(), Driver: z.string().optional() }),
  z.object({
    ID: z.string(),
    Spec: z.object({
      Name: z.string(),
      Driver: z.object({ Name: z.string() }).optional(),
    }),
  }),
]);

function podmanFailed(
  action: string,
  name: string | undefined,
  stderr: string,
  code: number,
): LegerError {
  const reason = stderr.trim().replace(/^Error:\s*/, "") || `exit code ${code}`;
  return new LegerError(
    `Cannot ${action}${name ? ` ${name}` : ""}: podman says: ${reason}`,
    {
      exitCode: code === 127 ? ExitCode.environment : ExitCode.failure,
      hint: code === 127
        ? "Install podman (>= 4.7 for --replace)."
        : "Run the podman secret command by hand to see more; check `podman info`.",
    },
  );
}

/**
 * Creates or replaces a Podman secret. The value goes to podman on stdin.
 *
 * @example
 * ```ts
 * await setPodmanSecret($, "app-key", new TextEncoder().encode(value));
 * ```
 */
export async function setPodmanSecret(
  $: Shell,
  name: string,
  value: Uint8Array,
): Promise<void> {
  const r = await run(
    $,
    ["podman", "secret", "create", "--replace", "--", operand(name, "podman secret name"), "-"],
    { stdin: value },
  );
  if (r.code !== 0) {
    throw podmanFailed("set Podman secret", name, r.stderr, r.code);
  }
}

/**
 * Lists Podman secrets. `podman secret ls` has no JSON mode (podman 5.8
 * takes `--format json` as a template and prints "json" per secret), so
 * leger asks for one JSON object per line with the `{{json .}}` template.
 */
export async function listPodmanSecrets($: Shell): Promise<PodmanSecret[]> {
  const r = await run($, ["podman", "secret", "ls", "--noheading", "--format", "{{json .}}"]);
  if (r.code !== 0) {
    throw podmanFailed("list Podman secrets", undefined, r.stderr, r.code);
  }
  let data: unknown;
  try {
    data = r.stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  } catch {
    throw new LegerError(
      "Cannot list Podman secrets: `podman secret ls --format '{{json .}}'` did not print JSON lines",
      {
        hint: "Check the podman version (leger needs >= 4.7).",
      },
    );
  }
  const parsed = z.array(Row).nullable().safeParse(data);
  if (!parsed.success) {
    throw new LegerError(
      "Cannot list Podman secrets: unexpected JSON from `podman secret ls`",
      {
        hint: "Check the podman version (leger needs >= 4.7).",
      },
    );
  }
  return (parsed.data ?? []).map((row) =>
    "Spec" in row
      ? { id: row.ID, name: row.Spec.Name, driver: row.Spec.Driver?.Name ?? "" }
      : { id: row.ID, name: row.Name, driver: row.Driver ?? "" }
  );
}

/** True when a Podman secret of that name exists (`podman secret exists`). */
export async function podmanSecretExists(
  $: Shell,
  name: string,
): Promise<boolean> {
  const r = await run($, ["podman", "secret", "exists", "--", operand(name, "podman secret name")]);
  if (r.code === 0) return true;
  if (r.code === 1) return false;
  throw podmanFailed("check Podman secret", name, r.stderr, r.code);
}

/** Removes a Podman secret; no error when it does not exist. Returns whether it existed. */
export async function removePodmanSecret(
  $: Shell,
  name: string,
): Promise<boolean> {
  if (!(await podmanSecretExists($, name))) return false;
  const r = await run($, ["podman", "secret", "rm", "--", operand(name, "podman secret name")]);
  if (r.code !== 0) {
    throw podmanFailed("remove Podman secret", name, r.stderr, r.code);
  }
  return true;
}
