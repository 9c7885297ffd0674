/**
 * The Setec stand-in (`tests/fakes/setec_server.ts`) as a program for the
 * end-to-end host, with an ACL: `--deny PREFIX` refuses every action on
 * secret names starting with PREFIX (403), as a tailnet policy without the
 * grant would. Runs inside the guest as a transient unit:
 *
 * ```sh
 * deno run -A --cached-only /leger/tests/e2e/setec_standin.ts --port 8700 --deny leger/denied/
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startSetecStandIn } from "../fakes/setec_server.ts";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { port: { type: "string", default: "0" }, deny: { type: "string", multiple: true, default: [] } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("usage: setec_standin.ts [--port N] [--deny PREFIX]...");
    Deno.exit(2);
  }
  const denied = values.deny;
  const standIn = await startSetecStandIn({
    port,
    acl: (name) => !denied.some((prefix) => name.startsWith(prefix)),
  });
  console.log(`setec stand-in listening on ${standIn.url}`);
  Deno.addSignalListener("SIGTERM", () => void standIn.close().then(() => Deno.exit(0)));
}
