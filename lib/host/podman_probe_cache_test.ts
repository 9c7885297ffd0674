import assert from "node:assert/strict";
import { join } from "node:path";
import { bench } from "../../tests/fakes/fake_host_fixtures.ts";
import { probeCacheFile } from "./podman_probe_cache.ts";
import { detectPodman } from "./podman.ts";
import { createShell } from "./shell.ts";

/** How many times podman was asked for `quadlet install/rm --help`. */
function probes(calls: { tool: string; args: string[] }[]): number {
  return calls.filter((c) => c.tool === "podman" && c.args[0] === "quadlet" && c.args.includes("--help")).length;
}

Deno.test("the probe's answer is kept per podman version: an upgrade to podman 6 is probed anew", async () => {
  const b = await bench({ podmanVersion: "5.8.6" });
  try {
    const e1 = await b.another();
    assert.equal((await e1.podman()).quadletApplication, false);
    const n = probes(b.host.calls);
    assert.ok(n >= 2, "the first run probes");
    assert.equal((await (await b.another()).podman()).quadletApplication, false);
    assert.equal(probes(b.host.calls), n, "same podman: no probe");
    b.host.setPodmanVersion("6.1.1");
    const caps = await (await b.another()).podman();
    assert.equal(caps.quadletApplication, true, "podman 6 must not be read from 5.8's answer");
    assert.equal(caps.quadletRecursiveRm, true);
    assert.ok(probes(b.host.calls) > n);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a cache file of the wrong shape, or writable by others, is not trusted: podman is probed", async () => {
  const b = await bench({ podmanVersion: "5.8.6" });
  try {
    const file = probeCacheFile(b.engine.paths.stateDir);
    await (await b.another()).podman();
    const good = JSON.parse(await Deno.readTextFile(file));
    const lies = { ...good, application: true, recursiveRm: true };
    const bad: [string, string, number][] = [
      ["not JSON", "{", 0o644],
      ["an extra field", JSON.stringify({ ...lies, extra: 1 }), 0o644],
      ["a string for a boolean", JSON.stringify({ ...good, application: "yes" }), 0o644],
      ["world-writable", JSON.stringify(lies), 0o666],
      ["another podman's key", JSON.stringify({ ...lies, key: "podman version 6.1.1" }), 0o644],
    ];
    for (const [label, text, mode] of bad) {
      await Deno.writeTextFile(file, text);
      await Deno.chmod(file, mode);
      const n = probes(b.host.calls);
      const caps = await (await b.another()).podman();
      assert.equal(caps.quadletApplication, false, `${label}: a podman 5.8 read as podman 6`);
      assert.ok(probes(b.host.calls) > n, `${label}: podman was not probed`);
    }
    await Deno.remove(file);
    await Deno.symlink(join(b.host.root, "elsewhere.json"), file);
    await Deno.writeTextFile(join(b.host.root, "elsewhere.json"), JSON.stringify(lies));
    assert.equal((await (await b.another()).podman()).quadletApplication, false, "a link is not followed");
  } finally {
    await b.cleanup();
  }
});

/** A shell whose podman answers as 5.8.6 and counts each call by its arguments. */
function countingPodman(version = "5.8.6") {
  const calls: string[] = [];
  const $ = createShell({
    fakes: {
      podman: ({ args }) => {
        calls.push(args.join(" "));
        if (args[0] === "--version") return { stdout: `podman version ${version}\n` };
        if (args[1] === "install") return { stdout: "Flags:\n      --replace   replace\n" };
        return { stdout: "Flags:\n      --force   force\n" };
      },
    },
  });
  return { $, calls };
}

Deno.test("an ELF podman seen before is not run again: its version comes from the cache until the file changes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bin = join(dir, "bin");
    await Deno.mkdir(bin);
    const podmanFile = join(bin, "podman");
    await Deno.writeFile(podmanFile, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), { mode: 0o755 });
    const cacheFile = join(dir, "podman-probe.json");
    const { $, calls } = countingPodman();
    const first = await detectPodman($, { cacheFile, path: bin });
    assert.deepEqual(calls, ["--version", "quadlet install --help", "quadlet rm --help"]);
    const second = await detectPodman($, { cacheFile, path: bin });
    assert.deepEqual(second, first);
    assert.equal(calls.length, 3, "the second detection ran podman");
    assert.equal(second.version.text, "5.8.6");
    assert.equal(second.quadletReplace, true);

    // An upgrade writes a new file: a new mtime (and inode). podman is asked again.
    await Deno.utime(podmanFile, new Date(), new Date(Date.now() + 5_000));
    const { $: upgraded, calls: after } = countingPodman("6.1.1");
    assert.equal((await detectPodman(upgraded, { cacheFile, path: bin })).version.text, "6.1.1");
    assert.equal(after[0], "--version");
    assert.equal(JSON.parse(await Deno.readTextFile(cacheFile)).versionLine, "podman version 6.1.1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a podman that is a script (a wrapper, a fake) is asked its version every time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "podman"), '#!/bin/sh\nexec /usr/bin/podman "$@"\n', { mode: 0o755 });
    const cacheFile = join(dir, "podman-probe.json");
    const { $, calls } = countingPodman();
    await detectPodman($, { cacheFile, path: dir });
    await detectPodman($, { cacheFile, path: dir });
    assert.deepEqual(calls.filter((c) => c === "--version").length, 2);
    assert.equal(calls.filter((c) => c.endsWith("--help")).length, 2, "the flags are still cached");
    assert.equal(JSON.parse(await Deno.readTextFile(cacheFile)).binary, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("podman older than 5.6 seen as an ELF binary is cached by its version too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(join(dir, "podman"), new Uint8Array([0x7f, 0x45, 0x4c, 0x46]), { mode: 0o755 });
    const cacheFile = join(dir, "podman-probe.json");
    const { $, calls } = countingPodman("5.4.2");
    const first = await detectPodman($, { cacheFile, path: dir });
    assert.equal(first.quadletCommand, false);
    assert.deepEqual(await detectPodman($, { cacheFile, path: dir }), first);
    assert.deepEqual(calls, ["--version"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
