/**
 * The Setec stand-in inside a test host, over HTTPS: a test CA and a
 * certificate for 127.0.0.1 are made on the build machine with openssl
 * (never committed) and copied into the guest; the stand-in runs as a
 * transient system unit; leger is told to trust the CA with
 * `daemon.setec-ca-file`. Administration (`setec put`, `activate`, ...)
 * goes through the same HTTPS API.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Host } from "./helpers.ts";
import { testCertificates } from "../fakes/setec/test_ca.ts";

/** Where the CA certificate lives in the guest (public; readable by everyone). */
export const GUEST_CA = "/etc/leger-e2e/setec-ca.pem";
const GUEST_CERT = "/etc/leger-e2e/setec.pem";
const GUEST_KEY = "/etc/leger-e2e/setec.key";

/** A stand-in running in a guest. */
export interface GuestSetec {
  /** https://127.0.0.1:PORT */
  url: string;
  /** Calls the API as an administrator; returns the parsed answer. */
  call(method: string, body: Record<string, unknown>): Promise<unknown>;
  /** `setec put`: the version written. */
  put(name: string, value: string): Promise<number>;
  /** `setec activate`. */
  activate(name: string, version: number): Promise<void>;
  /** put + activate; the version. */
  rotate(name: string, value: string): Promise<number>;
  /**
   * Starts (again) the stand-in unit; secrets are lost on a restart. With `callerUnknown` it answers every call 500
   * "unable to identify caller", as Setec does while tailscaled restarts.
   */
  start(options?: { callerUnknown?: boolean }): Promise<void>;
  /** Stops the stand-in and cuts every TLS handshake on its port, as a server restarting does. */
  cut(): Promise<void>;
  /** `setec delete NAME`. */
  remove(name: string): Promise<void>;
  /** Stops the unit (Setec down). */
  stop(): Promise<void>;
  /** The config.yaml lines of the daemon section for it. */
  configLines(pollSeconds: number): string;
}

/** Sets up a stand-in on `port` in `host`; names starting with `deny` answer 403. */
export async function guestSetec(
  host: Host,
  port: number,
  opts: { deny?: string; unit?: string } = {},
): Promise<GuestSetec> {
  const tls = await testCertificates(["IP:127.0.0.1"]);
  await host.writeFile(GUEST_CA, tls.caPem, { mode: 0o644 });
  await host.writeFile(GUEST_CERT, tls.certPem, { mode: 0o644 });
  await host.writeFile(GUEST_KEY, tls.keyPem, { mode: 0o600 });
  const url = `https://127.0.0.1:${port}`;
  const unit = opts.unit ?? `leger-e2e-setec-${port}`;
  const deno = ["/usr/local/bin/deno", "run", "-A", "--cached-only", "/leger/tests/e2e/setec_standin.ts"];
  const env = ["env", "DENO_DIR=/opt/deno-dir", "DENO_NO_UPDATE_CHECK=1"];
  const call = async (method: string, body: Record<string, unknown>) => {
    const r = await host.exec([...env, ...deno, "admin", url, GUEST_CA, method, "-"], {
      timeoutMs: 30_000,
      stdin: JSON.stringify(body),
    });
    assert.equal(r.code, 0, `setec ${method} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const g: GuestSetec = {
    url,
    call,
    put: async (name, value) => await call("put", { Name: name, Value: btoa(value) }) as number,
    activate: async (name, version) => void await call("activate", { Name: name, Version: version }),
    async rotate(name, value) {
      const v = await g.put(name, value);
      await g.activate(name, v);
      return v;
    },
    async start(options = {}) {
      for (const u of [unit, `${unit}-cut`]) {
        await host.exec(["systemctl", "stop", u]);
        await host.exec(["systemctl", "reset-failed", u]);
      }
      await host.exec([
        "systemd-run",
        `--unit=${unit}`,
        "--setenv=DENO_DIR=/opt/deno-dir",
        "--setenv=DENO_NO_UPDATE_CHECK=1",
        ...deno,
        `--port=${port}`,
        `--cert=${GUEST_CERT}`,
        `--key=${GUEST_KEY}`,
        ...(opts.deny ? [`--deny=${opts.deny}`] : []),
        ...(options.callerUnknown ? ["--caller-unknown"] : []),
      ], { check: true });
      const deadline = Date.now() + 30_000;
      while (true) {
        const r = await host.exec([...env, ...deno, "admin", url, GUEST_CA, "list", "{}"], { timeoutMs: 10_000 });
        if (r.code === 0 || (options.callerUnknown && /HTTP 500: unable to identify caller/.test(r.stderr))) return;
        if (Date.now() > deadline) throw new Error(`the Setec stand-in did not answer: ${r.stderr}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    },
    async stop() {
      assert.equal((await host.exec(["systemctl", "stop", unit])).code, 0);
    },
    async cut() {
      await g.stop();
      await host.exec(["systemctl", "reset-failed", `${unit}-cut`]);
      await host.exec([
        "systemd-run",
        `--unit=${unit}-cut`,
        "--setenv=DENO_DIR=/opt/deno-dir",
        "--setenv=DENO_NO_UPDATE_CHECK=1",
        ...deno,
        "cut",
        `--port=${port}`,
      ], { check: true });
      const deadline = Date.now() + 30_000;
      while (true) {
        const r = await host.exec([...env, ...deno, "admin", url, GUEST_CA, "list", "{}"], { timeoutMs: 10_000 });
        if (/tls handshake eof/i.test(r.stderr)) return;
        if (Date.now() > deadline) throw new Error(`nothing cuts handshakes on ${url}: ${r.stderr}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    },
    remove: async (name) => void await call("delete", { Name: name }),
    // The tests share leger/shared/ and leger/pair/ between sets on purpose (a set reaches only leger/<set>/ else).
    configLines: (pollSeconds) =>
      `daemon:\n  setec-server: ${url}\n  setec-ca-file: ${GUEST_CA}\n  poll-interval: ${pollSeconds}s\n` +
      "  shared-secrets: [leger/shared/, leger/pair/]\n",
  };
  return g;
}
