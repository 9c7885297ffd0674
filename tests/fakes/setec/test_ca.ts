/**
 * A throw-away certificate authority for tests, made with `openssl` at test
 * time (no key is ever committed): a CA and a server certificate for the
 * names asked (by default `127.0.0.1` and `localhost`), written to a 0700
 * temporary folder that is removed when the process ends.
 *
 * @example
 * ```ts
 * const tls = await testCertificates();
 * Deno.serve({ cert: tls.certPem, key: tls.keyPem, port: 0 }, handler);
 * const client = Deno.createHttpClient({ caCerts: [tls.caPem] });
 * ```
 *
 * @module
 */
import { join } from "node:path";

/** A CA and one server certificate it signed. */
export interface TestCertificates {
  /** Folder holding the files (0700). */
  dir: string;
  /** The CA certificate (PEM file), what a client is told to trust. */
  caFile: string;
  /** The CA certificate, PEM text. */
  caPem: string;
  /** The server certificate, PEM text. */
  certPem: string;
  /** The server's private key, PEM text. */
  keyPem: string;
  /** Server certificate file. */
  certFile: string;
  /** Server key file (0600). */
  keyFile: string;
}

const made = new Map<string, Promise<TestCertificates>>();
const dirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of dirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  }
});

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * A CA and a server certificate for `names` (`IP:` or `DNS:` entries of
 * subjectAltName). Made once per process and list of names.
 */
export function testCertificates(names: string[] = ["IP:127.0.0.1", "DNS:localhost"]): Promise<TestCertificates> {
  const key = names.join(",");
  let p = made.get(key);
  if (!p) {
    p = make(names);
    made.set(key, p);
  }
  return p;
}

async function make(names: string[]): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "leger-test-ca-" });
  dirs.push(dir);
  await Deno.chmod(dir, 0o700);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=leger test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=setec stand-in"], dir);
  await Deno.writeTextFile(
    join(dir, "server.ext"),
    [
      `subjectAltName=${names.join(",")}`,
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  ], dir);
  for (const f of ["ca.key", "server.key"]) await Deno.chmod(join(dir, f), 0o600);
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    caPem: await Deno.readTextFile(join(dir, "ca.pem")),
    certPem: await Deno.readTextFile(join(dir, "server.pem")),
    keyPem: await Deno.readTextFile(join(dir, "server.key")),
    certFile: join(dir, "server.pem"),
    keyFile: join(dir, "server.key"),
  };
}
