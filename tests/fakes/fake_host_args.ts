/**
 * Argument and output helpers shared by the fake host's podman commands:
 * flags as podman's cobra parses them, its error lines, and `--format`
 * Go templates (the subset people use).
 *
 * @module
 */
import type { Answer } from "./fake_host_state.ts";

export const err = (message: string, code = 125): Answer => ({ code, stderr: `Error: ${message}\n` });
export const errs = (messages: string[], code = 125): Answer => ({
  code,
  stderr: messages.map((m) => `Error: ${m}\n`).join(""),
});

// ---------------------------------------------------------------- templates

function field(row: unknown, path: string): unknown {
  let v: unknown = row;
  for (const part of path.split(".").filter(Boolean)) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (Array.isArray(v)) return `[${v.join(" ")}]`;
  if (typeof v === "object") return `map[${Object.entries(v).map(([k, x]) => `${k}:${x}`).join(" ")}]`;
  return String(v);
}

/** Renders a Go template the way `--format` does for each row (the subset people use). */
export function render(format: string, row: unknown): string {
  const text = format.replaceAll("\\t", "\t").replaceAll("\\n", "\n");
  return text.replace(/\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g, (_m, json: string | undefined, path: string) => {
    const v = path === "" ? row : field(row, path);
    return json ? JSON.stringify(v) : show(v);
  });
}

export function output(format: string | undefined, rows: unknown[], table: () => string): Answer {
  if (format === "json") return { stdout: JSON.stringify(rows, null, 4) + "\n" };
  if (format === undefined || format === "table") return { stdout: table() };
  const body = format.replace(/^table\s+/, "");
  return { stdout: rows.map((r) => render(body, r)).join("\n") + (rows.length ? "\n" : "") };
}

/** Splits flags (with or without `=value`) from positional arguments. */
export function flags(
  args: string[],
  withValue: string[],
): { opts: Record<string, string[]>; pos: string[]; bad?: string } {
  const opts: Record<string, string[]> = {};
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-" || !a.startsWith("-")) {
      pos.push(a);
      continue;
    }
    if (a === "--") {
      pos.push(...args.slice(i + 1));
      break;
    }
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (eq >= 0) (opts[name] ??= []).push(a.slice(eq + 1));
    else if (withValue.includes(name)) (opts[name] ??= []).push(args[++i] ?? "");
    else (opts[name] ??= []).push("true");
  }
  return { opts, pos };
}

export function bool(opts: Record<string, string[]>, ...names: string[]): boolean {
  for (const n of names) {
    const v = opts[n];
    if (v) return v[v.length - 1] !== "false";
  }
  return false;
}

export function one(opts: Record<string, string[]>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = opts[n];
    if (v) return v[v.length - 1];
  }
  return undefined;
}

export function unknownFlag(opts: Record<string, string[]>, known: string[], cmd: string): Answer | undefined {
  const bad = Object.keys(opts).find((k) => !known.includes(k));
  return bad ? err(`unknown flag: ${bad}\nSee 'podman ${cmd} --help'`) : undefined;
}
