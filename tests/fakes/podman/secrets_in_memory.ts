/**
 * A fake `podman` that answers the `podman secret` commands like Podman 5
 * does (same output shapes, messages and exit codes), keeping secrets in
 * memory. Use `fake.podman` as a fake command of createShell, or call
 * `fake.handle(call)` from a bigger fake podman for its `secret` commands.
 *
 * @module
 */
import type { FakeCall, FakeCommand, FakeResult } from "../../../lib/host/shell.ts";

/** A secret held by the fake. */
export interface FakeSecret {
  /** 25-hex-digit ID, as podman makes. */
  id: string;
  /** The value, as podman stored it. */
  value: Uint8Array;
  /** How many times it was created or replaced. */
  writes: number;
}

/** One call the fake received; stdin only as a length. */
export interface FakePodmanCall {
  /** Arguments after `podman`. */
  args: string[];
  /** Environment the command saw. */
  env: Record<string, string>;
  /** Bytes received on stdin. */
  stdinLength: number;
}

/** The fake and its state. */
export interface FakePodmanSecrets {
  /** Fake command to register as `podman`. */
  podman: FakeCommand;
  /** Answers a `secret ...` call, or undefined when it is not one. */
  handle(call: FakeCall): FakeResult | undefined;
  /** The secrets, by name. */
  secrets: Map<string, FakeSecret>;
  /** Every call, oldest first. */
  calls: FakePodmanCall[];
  /** Values the fake received on stdin, for tests that look for leaks elsewhere. */
  text(name: string): string | undefined;
  /** Makes every podman call fail with this stderr and code (undefined to stop). */
  failWith(failure: { code: number; stderr: string } | undefined): void;
}

const MAX_SECRET = 512_000;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(13));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
    .slice(0, 25);
}

const err = (stderr: string, code = 125): FakeResult => ({
  code,
  stderr: `Error: ${stderr}\n`,
});

/** Creates a fake podman with no secrets. */
export function createFakePodmanSecrets(): FakePodmanSecrets {
  const secrets = new Map<string, FakeSecret>();
  const calls: FakePodmanCall[] = [];
  let failure: { code: number; stderr: string } | undefined;

  function create(args: string[], stdin: Uint8Array): FakeResult {
    let replace = false;
    const positional: string[] = [];
    let operands = false;
    for (const a of args) {
      if (operands) positional.push(a);
      else if (a === "--") operands = true;
      else if (a === "--replace" || a === "--replace=true") replace = true;
      else if (a.startsWith("--")) {
        return err(`unknown flag: ${a}\nSee 'podman secret create --help'`);
      } else positional.push(a);
    }
    if (positional.length !== 2) {
      return err(`accepts 2 arg(s), received ${positional.length}`);
    }
    const [name, file] = positional as [string, string];
    if (file !== "-") return err(`open ${file}: no such file or directory`);
    if (!NAME.test(name) || name.length > 253) {
      return err(`secret name "${name}" is invalid: invalid secret name`);
    }
    if (stdin.length === 0 || stdin.length >= MAX_SECRET) {
      return err(
        "secret data must be larger than 0 and less than 512000 bytes",
      );
    }
    const existing = secrets.get(name);
    if (existing && !replace) return err(`${name}: secret name in use`);
    const id = newId();
    secrets.set(name, {
      id,
      value: stdin.slice(),
      writes: (existing?.writes ?? 0) + 1,
    });
    return { stdout: `${id}\n` };
  }

  function handle(call: FakeCall): FakeResult | undefined {
    const [group, sub, ...given] = call.args;
    // Like cobra: `--` ends the flags, and is not an argument itself.
    const dashes = given.indexOf("--");
    const rest = sub === "create" || dashes < 0 ? given : [...given.slice(0, dashes), ...given.slice(dashes + 1)];
    if (group !== "secret") return undefined;
    calls.push({
      args: [...call.args],
      env: { ...call.env },
      stdinLength: call.stdin.length,
    });
    if (failure) return { code: failure.code, stderr: failure.stderr };
    switch (sub) {
      case "create":
        return create(rest, call.stdin);
      case "ls":
      case "list": {
        // Like podman 5.8: --format takes a Go template only; "json" is printed
        // literally once per secret, "{{json .}}" gives one object per line.
        const at = rest.indexOf("--format");
        const format = at >= 0 ? rest[at + 1] : undefined;
        const rows = [...secrets].map(([name, s]) => ({
          ID: s.id,
          Name: name,
          Driver: "file",
          CreatedAt: "2 seconds ago",
          UpdatedAt: "2 seconds ago",
        }));
        if (format === "{{json .}}") return { stdout: rows.map((r) => JSON.stringify(r) + "\n").join("") };
        if (format !== undefined) return { stdout: rows.map(() => format + "\n").join("") };
        const head = rest.includes("--noheading") ? "" : "ID NAME DRIVER CREATED UPDATED\n";
        return { stdout: head + rows.map((r) => `${r.ID} ${r.Name} file 2 seconds ago 2 seconds ago\n`).join("") };
      }
      case "exists":
        return { code: secrets.has(rest[0] ?? "") ? 0 : 1 };
      case "rm": {
        const name = rest[0] ?? "";
        const s = secrets.get(name);
        if (!s) {
          return err(`no secret with name or id "${name}": no such secret`, 1);
        }
        secrets.delete(name);
        return { stdout: `${s.id}\n` };
      }
      default:
        return err(`unrecognized command \`podman secret ${sub ?? ""}\``);
    }
  }

  return {
    podman: (call) =>
      handle(call) ??
        err(`unrecognized command \`podman ${call.args[0] ?? ""}\``),
    handle,
    secrets,
    calls,
    text: (name) => {
      const s = secrets.get(name);
      return s ? new TextDecoder().decode(s.value) : undefined;
    },
    failWith(next) {
      failure = next;
    },
  };
}
