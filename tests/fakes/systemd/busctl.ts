/**
 * The fake host's `busctl`: the one call leger makes, systemd's
 * `ListUnitsByNames` with JSON output, answered from the same units
 * `systemctl show` reads (`props`), in the shape busctl 240+ prints
 * (`{"type":"a(ssssssouso)","data":[[...]]}`). Like the real manager, it
 * answers every name asked, `not-found` for one it does not know, and the
 * other manager (`--system` on a rootless host) knows none of the quadlet
 * units. Other calls and the text output are not modelled: they fail and
 * say so.
 *
 * @module
 */
import type { Answer, Ctx } from "../fake_host_state.ts";
import { props } from "./systemctl.ts";

const DESTINATION = ["org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager"];

/** The object path systemd gives a unit (bytes outside [A-Za-z0-9] as _XX). */
function unitPath(name: string): string {
  const escaped = [...new TextEncoder().encode(name)].map((b) =>
    /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, "0")}`
  ).join("");
  return `/org/freedesktop/systemd1/unit/${escaped}`;
}

/** Answers `busctl ARGS`. */
export function busctl(ctx: Ctx, args: string[]): Answer {
  let user = false;
  let json = false;
  const rest: string[] = [];
  let operands = false;
  for (const a of args) {
    if (operands) rest.push(a);
    else if (a === "--") operands = true;
    else if (a === "--user") user = true;
    else if (a === "--system") user = false;
    else if (a === "--json=short" || a === "--json=pretty" || a === "-j") json = true;
    else if (a.startsWith("-")) return { code: 1, stderr: `busctl: unrecognized option '${a}'\n` };
    else rest.push(a);
  }
  const [verb, destination, path, iface, method, signature, count, ...names] = rest;
  if (verb !== "call") return { code: 1, stderr: `fake busctl: only "call" is modelled, not ${verb ?? "(none)"}\n` };
  if (destination !== DESTINATION[0] || path !== DESTINATION[1] || iface !== DESTINATION[2]) {
    return { code: 1, stderr: `Call failed: Unknown object '${path}'.\n` };
  }
  if (method !== "ListUnitsByNames") {
    return { code: 1, stderr: `Call failed: Unknown method ${method} or interface ${iface}.\n` };
  }
  if (signature !== "as" || Number(count) !== names.length) {
    return { code: 1, stderr: "Failed to parse arguments: too few or too many for the signature\n" };
  }
  if (!json) return { code: 1, stderr: "fake busctl: only the JSON output (--json=short) is modelled\n" };
  const invalid = names.find((n) => !/^[A-Za-z0-9:_.\\@-]+\.[a-z]+$/.test(n));
  if (invalid !== undefined) return { code: 1, stderr: `Call failed: Unit name ${invalid} is not valid.\n` };
  const other = user !== (ctx.state.scope === "user");
  const saved = ctx.state;
  if (other) ctx.state = { ...saved, units: {}, journal: [] };
  try {
    const data = names.map((name) => {
      const p = props(ctx, name);
      return [name, p.Description!, p.LoadState!, p.ActiveState!, p.SubState!, "", unitPath(name), 0, "", "/"];
    });
    return { stdout: JSON.stringify({ type: "a(ssssssouso)", data: [data] }) + "\n" };
  } finally {
    if (other) ctx.state = saved;
  }
}
