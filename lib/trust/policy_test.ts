import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { scopePaths } from "../core/paths.ts";
import { repositoryKey, trustPolicyFor } from "./policy.ts";
import { TrustConfig } from "./schema.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO/IE1hZsRXfqFABa/wZh004kv3xn/gMopGDJFuIu9dd";
const trust = TrustConfig.parse({
  keys: {
    alice: { identity: "alice@example.com", ssh: KEY },
    release: { identity: "release@example.com", "openpgp-file": "keys/release.asc" },
  },
  default: { verify: "signed" },
  sets: { scratch: { verify: "none" }, web: { verify: "signed", signers: ["alice"] } },
  catalogs: { "https://git.example.com/ops/sets.git": { verify: "signed", signers: ["release"] } },
  fleet: { verify: "signed", signers: ["alice"] },
});
const FLEET = "https://git.example.com/ops/fleet.git#main";

Deno.test("a set's rule: its own, else its repository's (catalog, then fleet), else the default", () => {
  const rule = (name: string, url?: string) => {
    const p = trustPolicyFor(trust, FLEET, { kind: "set", name, ...(url ? { url } : {}) });
    return [p.verify, p.rule, p.signers.map(([n]) => n).join(",")];
  };
  assert.deepEqual(rule("web", "https://git.example.com/ops/sets.git"), ["signed", "trust.sets.web", "alice"]);
  assert.deepEqual(rule("scratch", "https://git.example.com/ops/sets.git"), [
    "none",
    "trust.sets.scratch",
    "alice,release",
  ]);
  assert.deepEqual(rule("db", "git@git.example.com:ops/sets"), [
    "signed",
    "trust.catalogs.https://git.example.com/ops/sets.git",
    "release",
  ]);
  assert.deepEqual(rule("mon", "https://git.example.com/ops/fleet.git"), ["signed", "trust.fleet", "alice"]);
  assert.deepEqual(rule("other", "https://elsewhere.example/x.git"), ["signed", "trust.default", "alice,release"]);
  assert.deepEqual(rule("folder"), ["signed", "trust.default", "alice,release"]);
  assert.equal(trustPolicyFor(undefined, undefined, { kind: "set", name: "web" }).verify, "none");
  assert.equal(trustPolicyFor(undefined, undefined, { kind: "set", name: "web" }).rule, "built-in");
});

Deno.test("leger-hosts.yaml's rule: the fleet's for the fleet repository, else the catalog's, else the default", () => {
  const hosts = (url: string) => trustPolicyFor(trust, FLEET, { kind: "hosts", url }).rule;
  assert.equal(hosts("https://git.example.com/ops/fleet"), "trust.fleet");
  assert.equal(hosts("https://git.example.com/ops/sets.git"), "trust.catalogs.https://git.example.com/ops/sets.git");
  assert.equal(hosts("file:///srv/git/x.git"), "trust.default");
});

Deno.test("one repository whatever the scheme, user name, .git or trailing slash", () => {
  const same = [
    "https://git.example.com/ops/sets.git",
    "https://user:token@git.example.com/ops/sets/",
    "ssh://git@Git.Example.com/ops/sets.git",
    "git@git.example.com:ops/sets.git",
    "https://git.example.com/ops/sets.git#main:apps/web",
  ];
  for (const url of same) assert.equal(repositoryKey(url), "git.example.com/ops/sets", url);
  assert.notEqual(repositoryKey("https://git.example.com/ops/sets-2.git"), repositoryKey(same[0]!));
  assert.equal(repositoryKey("file:///srv/git/fleet.git"), "/srv/git/fleet");
});

async function configError(yaml: string): Promise<string> {
  const home = await Deno.makeTempDir();
  const paths = scopePaths("user", { HOME: home });
  await Deno.mkdir(paths.configDir, { recursive: true });
  await Deno.writeTextFile(paths.configFile, yaml);
  try {
    await loadConfig(paths);
    return "";
  } catch (e) {
    return (e as Error).message;
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("config.yaml's trust: mistakes are refused with the line and the key", async () => {
  assert.equal(
    await configError(`trust:\n  keys:\n    alice: { identity: a@x, ssh: "${KEY}" }\n  default: { verify: signed }\n`),
    "",
  );
  assert.match(
    await configError("trust:\n  default: { verify: signed }\n"),
    /trust\.default\.verify: verify: signed needs a key/,
  );
  assert.match(
    await configError(
      `trust:\n  keys:\n    alice: { identity: a@x, ssh: "${KEY}" }\n  sets:\n    web: { verify: signed, signers: [bob] }\n`,
    ),
    /config\.yaml:5:\d+: trust\.sets\.web\.signers\.0: no key named "bob" in trust\.keys \(alice\)/,
  );
  assert.match(
    await configError(`trust:\n  keys:\n    alice: { identity: a@x, ssh: "${KEY}", openpgp-file: a.asc }\n`),
    /give exactly one of ssh, ssh-file or openpgp-file/,
  );
  assert.match(
    await configError(`trust:\n  keys:\n    alice: { identity: "a b", ssh: "${KEY}" }\n`),
    /trust\.keys\.alice\.identity: an e-mail address or a name without blanks/,
  );
  assert.match(await configError("trust:\n  default: { verify: maybe }\n"), /trust\.default\.verify/);
});
