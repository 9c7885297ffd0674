// An example workflow: a one-line health report of every installed set,
// plus the containers podman runs for this user. Run it with:
//   leger run examples/report.ts
//   leger run examples/report.ts --only-failed
import type { WorkflowContext } from "../mod.ts";

export const description = "Print one line per installed set and what podman runs";

export default async function report({ leger, $, flags, log }: WorkflowContext) {
  const rows = await leger.list();
  const shown = flags["only-failed"] === true ? rows.filter((r) => r.state !== "active") : rows;
  for (const r of shown) {
    log.print(`${r.name.padEnd(20)} ${r.state.padEnd(9)} ${r.commit?.slice(0, 12) ?? "-"}  ${r.source}`);
  }
  const running = (await $`podman ps --format ${"{{.Names}}"}`.noThrow().text()).split("\n").filter(Boolean);
  log.print(`${running.length} container(s) running: ${running.join(", ") || "none"}`);
  return { sets: shown.map((r) => ({ name: r.name, state: r.state })), running };
}
