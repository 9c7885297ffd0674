import assert from "node:assert/strict";
import { join } from "node:path";
import { cacheFileName, digestOf, SecretCache } from "./cache.ts";
import { LegerError } from "../core/errors.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const mode = async (p: string) => (await Deno.stat(p)).mode! & 0o777;

Deno.test("cache round-trips a secret in a 0600 file inside a 0700 folder", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "state", "secrets");
  const cache = await SecretCache.open(dir);
  const fetchedAt = new Date("2026-01-02T03:04:05.000Z");
  await cache.write({
    name: "leger/app/key",
    value: bytes("s3cret\n\0bin"),
    version: 3,
    fetchedAt,
  });
  assert.equal(await mode(dir), 0o700);
  assert.equal(await mode(cache.pathOf("leger/app/key")), 0o600);
  const hit = await cache.read("leger/app/key");
  assert.deepEqual(hit, {
    name: "leger/app/key",
    value: bytes("s3cret\n\0bin"),
    version: 3,
    fetchedAt,
    sha256: await digestOf(bytes("s3cret\n\0bin")),
  });
  // A value that no longer matches its digest is damaged: read as absent, fetched again.
  const file = cache.pathOf("leger/app/key");
  const data = JSON.parse(await Deno.readTextFile(file));
  await Deno.writeTextFile(file, JSON.stringify({ ...data, value: btoa("tampered") }));
  assert.equal(await cache.read("leger/app/key"), undefined);
  await cache.write({ name: "leger/app/key", value: bytes("s3cret\n\0bin"), version: 3, fetchedAt });
  assert.equal(await cache.read("leger/other"), undefined);
  // No temporary files left behind.
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  assert.deepEqual(names, [cacheFileName("leger/app/key")]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("cache file names are safe, distinct and reversible", async () => {
  assert.equal(cacheFileName("leger/app/key"), "leger%2Fapp%2Fkey.json");
  assert.equal(cacheFileName("..").startsWith("%2E"), true);
  assert.notEqual(cacheFileName("a/b"), cacheFileName("a%2Fb"));
  const dir = await Deno.makeTempDir();
  const cache = await SecretCache.open(dir);
  for (const name of ["a/b", "a%2Fb", ".hidden", "ü/x"]) {
    await cache.write({
      name,
      value: bytes(name),
      version: 1,
      fetchedAt: new Date(),
    });
  }
  assert.deepEqual((await cache.list()).map((c) => c.name), [
    ".hidden",
    "a%2Fb",
    "a/b",
    "ü/x",
  ]);
  await cache.remove("a/b");
  assert.equal(await cache.read("a/b"), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("opening the cache fixes a too-open folder mode", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.chmod(dir, 0o755);
  await SecretCache.open(dir);
  assert.equal(await mode(dir), 0o700);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("opening the cache refuses a cache file others can read, and says why", async () => {
  const dir = await Deno.makeTempDir();
  const cache = await SecretCache.open(dir);
  await cache.write({
    name: "leger/k",
    value: bytes("v"),
    version: 1,
    fetchedAt: new Date(),
  });
  await Deno.chmod(cache.pathOf("leger/k"), 0o644);
  const error = await SecretCache.open(dir).catch((e) => e);
  assert.ok(error instanceof LegerError);
  assert.match(error.message, /mode 644, so other users could read the secret/);
  assert.match(error.hint ?? "", /Rotate that secret/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "opening the cache refuses a folder owned by another user",
  ignore: Deno.uid() !== 0,
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.chown(dir, 4242, 4242);
    const error = await SecretCache.open(dir).catch((e) => e);
    assert.ok(error instanceof LegerError);
    assert.match(error.message, /owned by uid 4242, not by this user/);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("a damaged cache entry reads as missing, so it is fetched again", async () => {
  const dir = await Deno.makeTempDir();
  const cache = await SecretCache.open(dir);
  await Deno.writeTextFile(cache.pathOf("leger/k"), "{not json", {
    mode: 0o600,
  });
  assert.equal(await cache.read("leger/k"), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("opening the cache refuses a file in its place and links or foreign files inside", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(join(root, "file"), "x");
  await assert.rejects(
    SecretCache.open(join(root, "file")),
    /it is not a folder/,
  );
  const dir = join(root, "secrets");
  const cache = await SecretCache.open(dir);
  await Deno.symlink("/etc/passwd", cache.pathOf("leger/link"));
  await assert.rejects(SecretCache.open(dir), /is not a plain file/);
  await Deno.remove(cache.pathOf("leger/link"));
  if (Deno.uid() === 0) {
    await cache.write({
      name: "leger/k",
      value: bytes("v"),
      version: 1,
      fetchedAt: new Date(),
    });
    await Deno.chown(cache.pathOf("leger/k"), 4242, 4242);
    await assert.rejects(SecretCache.open(dir), /owned by uid 4242, not 0/);
  }
  await Deno.remove(root, { recursive: true });
});
