import assert from "node:assert/strict";
import { createShell } from "./shell.ts";
import { findProgram, searchablePath } from "./program_path.ts";

const HERE = new URL(".", import.meta.url).pathname;

Deno.test("findProgram answers as which: the first executable file of that name, past what is not one", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/a`);
    Deno.mkdirSync(`${dir}/b`);
    Deno.mkdirSync(`${dir}/c/tool`, { recursive: true }); // a folder named like the program
    Deno.writeTextFileSync(`${dir}/a/tool`, "not executable\n", { mode: 0o644 });
    Deno.writeTextFileSync(`${dir}/b/tool`, "#!/bin/sh\n", { mode: 0o755 });
    Deno.chmodSync(`${dir}/a/tool`, 0o644);
    Deno.chmodSync(`${dir}/b/tool`, 0o755);
    const path = `${dir}/missing:${dir}/c:${dir}/a:${dir}/b`;
    assert.equal(findProgram("tool", path), `${dir}/b/tool`);
    assert.equal(findProgram("nothing-like-it", path), undefined);
    assert.equal(findProgram(`${dir}/b/tool`, ""), `${dir}/b/tool`);
    assert.equal(findProgram(`${dir}/a/tool`, path), undefined);
    assert.equal(searchablePath(`${dir}/missing::${dir}/b/tool:${dir}/a:${dir}/a`), `${dir}/a`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the shell's which and commandExists read the shell's PATH, and a fake counts as present", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/zstd`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/zstd`, 0o755);
    const $ = createShell({ env: { PATH: `/nonexistent-dir:${dir}` }, fakes: { podman: () => ({}) } });
    assert.equal(await $.which("zstd"), `${dir}/zstd`);
    assert.equal($.whichSync("zstd"), `${dir}/zstd`);
    assert.equal(await $.commandExists("zstd"), true);
    assert.equal(await $.commandExists("podman"), true);
    assert.equal(await $.commandExists("gzip"), false, "only the shell's PATH counts, not the process's");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** Runs `script` (which may import this folder's program_path.ts) as the user nobody. */
async function asNobody(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(dir, 0o777);
    Deno.writeTextFileSync(`${dir}/t.ts`, script);
    Deno.chmodSync(`${dir}/t.ts`, 0o644);
    const out = await new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        `${dir}/t.ts`,
      ],
      env: { DENO_DIR: `${dir}/deno`, HOME: dir, PATH: "/usr/bin:/bin" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const canSwitchUser = Deno.uid() === 0 && findProgram("setpriv", Deno.env.get("PATH")) !== undefined;

Deno.test({
  name: "a PATH folder the user may not search (under /root, or 0700 of another owner) is passed over, not an error",
  ignore: !canSwitchUser,
  fn: async () => {
    const locked = Deno.makeTempDirSync({ prefix: "leger-locked-" });
    const home = Deno.makeTempDirSync({ prefix: "leger-open-" });
    try {
      Deno.writeTextFileSync(`${locked}/zstd`, "#!/bin/sh\n");
      Deno.chmodSync(`${locked}/zstd`, 0o755);
      Deno.chmodSync(locked, 0o700); // nobody may stat the folder, not look into it
      Deno.chmodSync(home, 0o755);
      const lookups = [`${locked}`, "/root/bin", "/root"].map((d) => `${d}:${home}`);
      const r = await asNobody(`
        import { findProgram, searchablePath } from "${HERE}program_path.ts";
        const out = [];
        for (const path of ${JSON.stringify(lookups)}) {
          out.push([searchablePath(path), findProgram("zstd", path + ":/usr/bin:/bin") ?? null]);
        }
        console.log(JSON.stringify(out));
      `);
      assert.equal(r.code, 0, r.stderr);
      const zstd = findProgram("zstd", "/usr/bin:/bin") ?? null;
      assert.deepEqual(JSON.parse(r.stdout), lookups.map(() => [home, zstd]));
    } finally {
      Deno.removeSync(locked, { recursive: true });
      Deno.removeSync(home, { recursive: true });
    }
  },
});
