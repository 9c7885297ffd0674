/**
 * Catalogs on a real host (issue 27): this repository's examples/ served
 * over HTTP from a Git repository in the guest, as a catalog. `search`
 * lists them with their descriptions and a second search fetches nothing;
 * `inspect` of a set not installed shows what it would bring and leaves the
 * quadlet folder, podman and systemd as they were; `install NAME` installs
 * and starts each example (their busybox image is the hosts' local test
 * image, tagged under busybox's name: the hosts reach no registry) and
 * `list` shows the full Git source; a name two catalogs offer is refused
 * with both sources; an unreachable catalog, a URL that is no repository
 * and a broken set are named while the other catalogs answer.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createRepo } from "../host/git_fixture.ts";
import { BACKENDS, httpGet, leger, legerJson, sharedHost, unitJournal, waitFor, type Who } from "./helpers.ts";
import { type GuestSetec, guestSetec } from "./setec_guest.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const ALICE: Who = { user: "alice", scope: "user", backend: BACKENDS[0]! };
const HOME = "/home/alice";
const CATALOG = "http://127.0.0.1:8418/homelab/catalog.git";
const OTHER = "http://127.0.0.1:8418/homelab/other.git";
const BUSYBOX = "docker.io/library/busybox:1.37";
const SETEC_PORT = 8701;
/** The database password: distinctive, so that a leak would be found by a plain search. */
const PASSWORD = `pw-${crypto.randomUUID().slice(0, 12)}`;

interface SearchOut {
  catalogs: { name: string; source: string; fetched: boolean; sets: number; error?: string }[];
  sets: {
    name: string;
    catalog: string;
    source: string;
    description?: string;
    version?: string;
    images: string[];
    problem?: string;
    installed?: { name: string; sameSource: boolean; update?: boolean };
  }[];
}

let setec: GuestSetec | undefined;

let prepared: Promise<Awaited<ReturnType<typeof sharedHost>>> | undefined;
/** The guest with the catalog repositories, the busybox tag and alice's config (once per file). */
const ready = () =>
  prepared ??= (async () => {
    const host = await sharedHost();
    // The examples as they are in this tree (links kept), committed to a repository the git server serves.
    const made = await host.sh([
      "set -e",
      "rm -rf /srv/git-work/homelab/catalog /srv/git/homelab/catalog.git",
      "mkdir -p /srv/git-work/homelab /srv/git/homelab",
      "git init -q -b main /srv/git-work/homelab/catalog",
      "git init -q --bare -b main /srv/git/homelab/catalog.git",
      "cp -a /leger/examples /srv/git-work/homelab/catalog/examples",
      "cd /srv/git-work/homelab/catalog",
      "git add -A",
      "git -c user.name=t -c user.email=t@leger.invalid commit -q -m examples",
      "git push -q /srv/git/homelab/catalog.git main",
    ].join("\n"));
    assert.equal(made.code, 0, made.stderr);
    // Another catalog that also offers a set named web.
    await createRepo(host, "homelab/other", [{
      message: "web",
      files: { "web/web.container": `[Container]\nImage=${BUSYBOX}\nExec=httpd -f -p 8080\n` },
    }]);
    // A catalog with a broken set beside a good one.
    await createRepo(host, "homelab/broken", [{
      message: "broken",
      files: {
        "bad/bad.container": "[Container]\nImage=x\n",
        "bad/.leger.yaml": "version: [1\n",
        "fine/fine.container": `[Unit]\nDescription=fine\n[Container]\nImage=${BUSYBOX}\n`,
      },
    }]);
    for (const user of ["alice", "root"] as const) {
      const r = await host.exec(["podman", "tag", "localhost/leger-test:v1", BUSYBOX], { user });
      assert.equal(r.code, 0, r.stderr);
    }
    setec = await guestSetec(host, SETEC_PORT, { unit: "leger-e2e-catalog-setec" });
    await setec.start();
    await setec.rotate("leger/app-db/db-password", PASSWORD);
    await writeConfig([
      `  - { url: "${CATALOG}", path: examples, name: home }`,
      `  - { url: "${OTHER}", name: other }`,
    ]);
    return host;
  })();

async function writeConfig(catalogs: string[]): Promise<void> {
  const host = await sharedHost();
  await host.writeFile(
    `${HOME}/.config/leger/config.yaml`,
    `forges:\n  127.0.0.1:8418: gitea\ncatalogs:\n${catalogs.join("\n")}\n${setec!.configLines(3600)}`,
    { user: "alice" },
  );
}

/** What podman and systemd have and what the quadlet folder holds: must not change by an inspect. */
async function hostState(): Promise<string> {
  const host = await sharedHost();
  const r = await host.sh(
    [
      `find ${HOME}/.config/containers/systemd | sort`,
      "podman ps -a --format '{{.Names}} {{.Status}}' | sort",
      "podman volume ls -q | sort",
      "podman network ls -q | sort",
      "podman secret ls --format '{{.Name}}' | sort",
      "podman images -q | sort",
      "systemctl --user list-units --all --no-legend --plain 'app-db*' | sort",
      `ls ${HOME}/.local/state/leger/manifests 2>/dev/null | sort`,
    ].join("; echo ---; "),
    { user: "alice" },
  );
  return r.stdout;
}

/** The files of alice's git cache that a fetch writes (FETCH_HEAD and the packs), with their times. */
async function cacheFiles(): Promise<string> {
  const host = await sharedHost();
  const r = await host.sh(
    `cd ${HOME}/.cache/leger/git && find . -name FETCH_HEAD -o -path '*/objects/pack/*' | sort | xargs -r stat -c '%n %Y %s'`,
    { user: "alice" },
  );
  return r.stdout;
}

Deno.test({
  name: "search lists the examples with their descriptions; a second search fetches nothing",
  ...opts,
  fn: async () => {
    const host = await ready();
    const first = await legerJson<SearchOut>(host, ALICE, ["search"]);
    assert.deepEqual(first.catalogs.map((c) => [c.name, c.error, c.fetched]), [
      ["home", undefined, true],
      ["other", undefined, true],
    ]);
    const home = first.sets.filter((s) => s.catalog === "home");
    assert.deepEqual(home.map((s) => s.name), ["app-db", "hello", "web", "whoami"]);
    for (const s of home) {
      assert.ok(s.description && s.description.length > 20, `${s.name} has a description`);
      assert.equal(s.version, "1.0.0");
      assert.deepEqual(s.images, [BUSYBOX]);
      assert.equal(s.problem, undefined, `${s.name}: ${s.problem}`);
      assert.equal(s.source, `${CATALOG}#:examples/${s.name}`);
    }
    const text = await leger(host, ALICE, ["search", "database"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /app-db\s+home\s+1\.0\.0\s+-\s+An app and its database/);
    assert.doesNotMatch(text.stdout, /whoami/);
    // Nothing new on the remote: one ls-remote per catalog, no fetch (leger says so, and the cache is untouched).
    const before = await cacheFiles();
    assert.ok(before.includes("FETCH_HEAD"), before);
    await new Promise((r) => setTimeout(r, 1100)); // a rewrite would show in the seconds of the times
    const second = await legerJson<SearchOut>(host, ALICE, ["available"]);
    assert.deepEqual(second.catalogs.map((c) => [c.name, c.fetched]), [["home", false], ["other", false]]);
    assert.equal(second.sets.length, first.sets.length);
    assert.equal(await cacheFiles(), before);
  },
});

Deno.test({
  name: "inspect of a set not installed shows images, ports, volumes, secrets and verdict, and changes nothing",
  ...opts,
  fn: async () => {
    const host = await ready();
    const before = await hostState();
    const out = await legerJson<{ preview: Record<string, unknown> }>(host, ALICE, ["inspect", "app-db"]);
    const p = out.preview as {
      name: string;
      source: { input: string };
      images: string[];
      ports: { port: string }[];
      volumes: { name: string }[];
      secrets: { podmanSecret: string; setec?: string; inPodman?: boolean; inSetec?: boolean }[];
      dependencies: { unit: string; needs: string[] }[];
      verdict: { ok: boolean; errors: number };
      wouldStart: string[];
    };
    assert.equal(p.name, "app-db");
    assert.equal(p.source.input, `${CATALOG}#:examples/app-db`);
    assert.deepEqual(p.images, [BUSYBOX]);
    assert.deepEqual(p.ports.map((x) => x.port), ["127.0.0.1:8081:8080"]);
    assert.deepEqual(p.volumes.map((v) => v.name), ["systemd-app-db-data"]);
    assert.deepEqual(p.secrets, [{
      podmanSecret: "app-db-password",
      setec: "leger/app-db/db-password",
      inPodman: false,
      inSetec: true,
    }]);
    assert.ok(p.dependencies.some((d) => d.unit === "app-db.service" && d.needs.includes("app-db-database.service")));
    assert.equal(p.verdict.ok, true, JSON.stringify(p.verdict));
    assert.ok(p.wouldStart.includes("app-db.service") && p.wouldStart.includes("app-db-database.service"));
    const text = await leger(host, ALICE, ["inspect", "home/whoami"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /whoami {2}not installed {2}version 1\.0\.0/);
    assert.match(text.stdout, /verdict: {2}valid/);
    assert.match(text.stdout, /install would start: .*whoami-pod\.service/);
    assert.equal(await hostState(), before, "inspect changed the host");
    const secrets = await host.sh(`grep -rl -- ${PASSWORD} ${HOME}/.local ${HOME}/.config 2>/dev/null`, {
      user: "alice",
    });
    assert.equal(secrets.stdout, "", "the password was written somewhere by an inspect");
  },
});

Deno.test({
  name: "a name two catalogs offer is refused with both sources; CATALOG/NAME picks one",
  ...opts,
  fn: async () => {
    const host = await ready();
    const r = await leger(host, ALICE, ["install", "web"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`home/web \\(${CATALOG}#:examples/web\\)`));
    assert.match(r.stderr, new RegExp(`other/web \\(${OTHER}#:web\\)`));
    assert.match(r.stderr, /leger install home\/web or leger install other\/web/);
    assert.equal((await hostState()).includes("web.container"), false);
  },
});

for (
  const [name, port, expect] of [
    ["home/web", 8080, /hello from leger/],
    ["hello", 8091, /hello from instance 8091/],
    ["whoami", 8093, /^pod \S+ at \d{4}-/],
    ["app-db", 8081, /hello from the database/],
  ] as const
) {
  Deno.test({
    name: `install ${name} installs and starts the example; list shows its full Git source`,
    ...opts,
    fn: async () => {
      const host = await ready();
      const set = name.split("/").pop()!;
      const r = await leger(host, ALICE, ["install", name]);
      assert.equal(r.code, 0, r.stderr);
      const body = await waitFor(
        `the ${set} example on port ${port}`,
        async () => {
          const got = await httpGet(host, `http://127.0.0.1:${port}/`, 2000);
          return got && expect.test(got.trim()) ? got : undefined;
        },
        60_000,
        {
          describe: async () =>
            (await host.sh(`systemctl --user status '${set}*' --no-pager -l | tail -40`, { user: "alice" })).stdout,
        },
      );
      assert.match(body.trim(), expect);
      if (set === "hello") {
        // The template's second instance (DefaultInstance=8092).
        assert.match(await httpGet(host, "http://127.0.0.1:8092/") ?? "", /hello from instance 8092/);
      }
      const rows = (await legerJson<{ sets: { name: string; source: string; state: string }[] }>(host, ALICE, ["list"]))
        .sets;
      const row = rows.find((x) => x.name === set);
      assert.equal(row?.source, `${CATALOG}#:examples/${set}`);
      assert.equal(row?.state, "active", await unitJournal(host, ALICE, `${set}.service`));
      const found = await legerJson<SearchOut>(host, ALICE, ["search", set]);
      assert.deepEqual(found.sets.find((s) => s.catalog === "home" && s.name === set)?.installed, {
        name: set,
        sameSource: true,
        update: false,
      });
    },
  });
}

Deno.test({
  name: "an unreachable catalog, a URL that is no repository and a broken set are named; the others answer",
  ...opts,
  fn: async () => {
    const host = await ready();
    await writeConfig([
      `  - { url: "${CATALOG}", path: examples, name: home }`,
      `  - { url: "http://127.0.0.1:8419/homelab/gone.git", name: gone }`,
      `  - { url: "http://127.0.0.1:8418/homelab/no-such-repository.git", name: nothing }`,
      `  - { url: "http://127.0.0.1:8418/homelab/broken.git", name: broken }`,
    ]);
    try {
      const r = await leger(host, ALICE, ["search"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /catalog gone \(http:\/\/127\.0\.0\.1:8419\/homelab\/gone\.git\): Cannot fetch/);
      assert.match(r.stderr, /catalog nothing \(http:\/\/127\.0\.0\.1:8418\/homelab\/no-such-repository\.git\)/);
      assert.match(r.stdout, /catalog gone .* not read: /);
      assert.match(r.stdout, /^app-db\s+home/m);
      assert.match(r.stdout, /^bad\s+broken\s+-\s+-\s+\(broken: \.leger\.yaml:\d+: /m);
      assert.match(r.stdout, /^fine\s+broken\s+-\s+-\s+fine$/m);
      // Installing by name still works from the catalogs that answer; a broken set is refused by the checks.
      const bad = await leger(host, ALICE, ["install", "bad"]);
      assert.equal(bad.code, 3, bad.stderr);
      assert.match(bad.stderr, /broken\/bad: \.leger\.yaml/);
      // With --catalog, only that catalog is read: one that cannot be read fails, naming it.
      const gone = await leger(host, ALICE, ["search", "--catalog", "http://127.0.0.1:8419/homelab/gone.git"]);
      assert.equal(gone.code, 5);
      assert.match(gone.stderr, /Cannot read the catalog gone \(http:\/\/127\.0\.0\.1:8419\/homelab\/gone\.git\)/);
    } finally {
      await writeConfig([
        `  - { url: "${CATALOG}", path: examples, name: home }`,
        `  - { url: "${OTHER}", name: other }`,
      ]);
    }
  },
});
