/** What the Setec stand-in's tests share: raw calls with the headers Setec's client sends, and a stand-in for one test. */
import { type SetecStandIn, startSetecStandIn } from "./server.ts";

export const HEADERS = {
  "Content-Type": "application/json",
  "Sec-X-Tailscale-No-Browsers": "setec",
};
export const b64 = (s: string) => btoa(s);

export async function call(
  s: SetecStandIn,
  method: string,
  body: unknown,
  init: { headers?: Record<string, string>; verb?: string; raw?: string } = {},
): Promise<{ status: number; text: string; type: string | null }> {
  const verb = init.verb ?? "POST";
  const client = Deno.createHttpClient({ caCerts: [s.caPem!] });
  try {
    const res = await fetch(`${s.url}/api/${method}`, {
      method: verb,
      headers: init.headers ?? HEADERS,
      ...(verb === "GET" ? {} : { body: init.raw ?? JSON.stringify(body) }),
      client,
    });
    return {
      status: res.status,
      text: await res.text(),
      type: res.headers.get("content-type"),
    };
  } finally {
    client.close();
  }
}

export async function withStandIn(
  fn: (s: SetecStandIn) => Promise<void>,
  acl?: Parameters<typeof startSetecStandIn>[0],
) {
  const s = await startSetecStandIn(acl);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}
