/**
 * The Setec stand-in (`tests/fakes/setec/server.ts`) as a program for the
 * end-to-end host, serving HTTPS with a certificate of the test CA (made on
 * the build machine with openssl and copied into the guest), with an ACL:
 * `--deny PREFIX` refuses every action on secret names starting with PREFIX
 * (403), as a tailnet policy without the grant would. Runs inside the guest
 * as a transient unit:
 *
 * ```sh
 * deno run -A --cached-only /leger/tests/e2e/setec_standin.ts --port 8700 \
 *   --cert /etc/leger-e2e/setec.pem --key /etc/leger-e2e/setec.key --deny leger/denied/
 * ```
 *
 * `--caller-unknown` starts it answering every call 500 "unable to identify
 * caller", as the real server does while tailscaled restarts (its WhoIs
 * fails).
 *
 * `setec_standin.ts admin URL CAFILE METHOD JSON|-` calls the API as an
 * administrator would with `setec` (prints the answer body); `-` reads the
 * body from stdin, so values stay out of argv.
 *
 * `setec_standin.ts cut --port N` stands where Setec was while it restarts:
 * it accepts each connection, reads the client's first TLS message and
 * closes it, so the TLS handshake is cut short.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startSetecStandIn } from "../fakes/setec/server.ts";

async function admin([url, caFile, method, body]: string[]): Promise<void> {
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(caFile!)] });
  const r = await fetch(`${url}/api/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Sec-X-Tailscale-No-Browsers": "setec" },
    body: body === "-" ? await new Response(Deno.stdin.readable).text() : body ?? "{}",
    client,
  });
  const text = await r.text();
  client.close();
  if (r.status !== 200) {
    console.error(`HTTP ${r.status}: ${text}`);
    Deno.exit(1);
  }
  console.log(text);
}

/** Accepts connections on `port` and closes each during the TLS handshake (after the ClientHello). */
async function cut(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: "string" } } });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(values.port) });
  console.log(`cutting TLS handshakes on 127.0.0.1:${values.port}`);
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
  for await (const conn of listener) {
    void conn.read(new Uint8Array(16 * 1024)).catch(() => null).finally(() => conn.close());
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "admin") {
    await admin(Deno.args.slice(1));
  } else if (Deno.args[0] === "cut") {
    await cut(Deno.args.slice(1));
  } else {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        port: { type: "string", default: "0" },
        deny: { type: "string", multiple: true, default: [] },
        cert: { type: "string" },
        key: { type: "string" },
        "caller-unknown": { type: "boolean", default: false },
      },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535 || !values.cert || !values.key) {
      console.error("usage: setec_standin.ts --cert FILE --key FILE [--port N] [--deny PREFIX]...");
      Deno.exit(2);
    }
    const denied = values.deny;
    const standIn = await startSetecStandIn({
      port,
      acl: (name) => !denied.some((prefix) => name.startsWith(prefix)),
      tls: { certPem: await Deno.readTextFile(values.cert), keyPem: await Deno.readTextFile(values.key) },
    });
    if (values["caller-unknown"]) standIn.setCallerKnown(false);
    console.log(`setec stand-in listening on ${standIn.url}`);
    Deno.addSignalListener("SIGTERM", () => void standIn.close().then(() => Deno.exit(0)));
  }
}
