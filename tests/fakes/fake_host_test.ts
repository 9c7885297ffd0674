import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeHost } from "./fake_host.ts";

const NGINX = "docker.io/library/nginx:1.27";
const none: Uint8Array = new Uint8Array();

function call(host: FakeHost, tool: string, argv: string, stdin: Uint8Array = none) {
  const r = host.run(tool, { args: argv.split(" ").filter(Boolean), stdin, env: {}, cwd: "/" });
  const out = typeof r.stdout === "string" ? r.stdout : new TextDecoder().decode(r.stdout ?? none);
  return { code: r.code ?? 0, stdout: out, stderr: r.stderr ?? "" };
}

async function appFolder(host: FakeHost, name: string, files: Record<string, string>): Promise<string> {
  const dir = join(host.root, "src", name);
  await Deno.mkdir(dir, { recursive: true });
  for (const [f, t] of Object.entries(files)) await Deno.writeTextFile(join(dir, f), t);
  return dir;
}

Deno.test("podman quadlet install/list/rm behave like podman 5.8: apps, refusals, whole-app removal", async () => {
  const host = await FakeHost.create({ images: [NGINX] });
  try {
    const dir = await appFolder(host, "web", {
      "web.container": `[Container]\nImage=${NGINX}\nVolume=web-data.volume:/data\n`,
      "web-data.volume": "[Volume]\n",
      "web.env": "A=1\n",
    });
    const first = call(host, "podman", `quadlet install ${dir}`);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      first.stdout.trim().split("\n").sort(),
      ["web-data.volume", "web.container", "web.env"].map((f) => join(host.quadletDir, f)),
    );
    assert.equal(host.reloads, 1, "--reload-systemd defaults to true");

    const again = call(host, "podman", `quadlet install ${dir}`);
    assert.equal(again.code, 125);
    assert.match(
      again.stderr,
      /Error: quadlet ".*\/web\.container" failed to install: a Quadlet with name web\.container already exists, refusing to overwrite/,
    );
    assert.match(again.stderr, /Error: errors occurred installing some Quadlets\n$/);
    assert.equal(call(host, "podman", `quadlet install --replace ${dir}`).code, 0);

    call(host, "systemctl", "--user start web.service");
    const listed = JSON.parse(call(host, "podman", "quadlet list --format json").stdout);
    assert.deepEqual(listed.map((r: Record<string, string>) => Object.keys(r)), [
      ["Name", "UnitName", "Path", "Status", "App"],
      ["Name", "UnitName", "Path", "Status", "App"],
    ]);
    assert.deepEqual(listed.map((r: Record<string, string>) => `${r.Name} ${r.UnitName} ${r.Status} ${r.App}`), [
      "web-data.volume web-data-volume.service active/exited .web.app",
      "web.container web.service active/running .web.app",
    ]);

    const refused = call(host, "podman", "quadlet rm web-data.volume");
    assert.equal(refused.code, 125);
    assert.match(
      refused.stderr,
      /unable to remove Quadlet web-data\.volume: quadlet web-data\.volume is running and force is not set/,
    );
    assert.match(refused.stderr, /unable to remove Quadlet web\.container: quadlet web\.container is running/);
    const removed = call(host, "podman", "quadlet rm --force web-data.volume");
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(host.quadletFiles(), [], "one member took the whole app, asset and .app file with it");
    assert.equal(host.unit("web.service").load, "not-found");
    assert.equal(call(host, "podman", "quadlet rm nope.container").code, 125);
    assert.equal(call(host, "podman", "quadlet rm --ignore nope.container").code, 0);
    assert.equal(call(host, "podman", "quadlet list --format json").stdout.trim(), "[]");
  } finally {
    await host.cleanup();
  }
});

Deno.test("podman below 5.6 has no quadlet command, below 5.7 no --replace; below 4.4 no generator", async () => {
  for (
    const [version, expect] of [["5.4.2", /unrecognized command `podman quadlet`/], [
      "5.6.0",
      /unknown flag: --replace/,
    ]] as const
  ) {
    const host = await FakeHost.create({ podmanVersion: version });
    try {
      assert.equal(call(host, "podman", "--version").stdout, `podman version ${version}\n`);
      const r = call(host, "podman", `quadlet install --replace ${host.root}`);
      assert.equal(r.code, 125);
      assert.match(r.stderr, expect);
    } finally {
      await host.cleanup();
    }
  }
  const old = await FakeHost.create({ podmanVersion: "4.3.1", images: [NGINX] });
  try {
    await Deno.writeTextFile(join(old.quadletDir, "web.container"), `[Container]\nImage=${NGINX}\n`);
    call(old, "systemctl", "--user daemon-reload");
    assert.equal(old.unit("web.service").load, "not-found");
  } finally {
    await old.cleanup();
  }
});

Deno.test("systemctl: show blocks per unit, unknown units, failed starts with journal lines, crashes on their own clock", async () => {
  const host = await FakeHost.create({ images: [NGINX], crashAfterMs: 50 });
  try {
    await Deno.writeTextFile(join(host.quadletDir, "ok.container"), `[Container]\nImage=${NGINX}\n`);
    await Deno.writeTextFile(join(host.quadletDir, "gone.container"), `[Container]\nImage=docker.io/library/gone:1\n`);
    await Deno.writeTextFile(
      join(host.quadletDir, "flaky.container"),
      `[Container]\nImage=${NGINX}\nExec=/bin/false\n`,
    );
    await Deno.writeTextFile(join(host.quadletDir, "bad.container"), `[Container]\nVolume=nothere.volume:/x\n`);
    call(host, "systemctl", "--user daemon-reload");
    assert.deepEqual(host.generatorErrors(), ['converting "bad.container": no Image or Rootfs key specified']);

    assert.equal(call(host, "systemctl", "--user start ok.service").code, 0);
    const missing = call(host, "systemctl", "--user start nope.service");
    assert.deepEqual([missing.code, missing.stderr], [
      5,
      "Failed to start nope.service: Unit nope.service not found.\n",
    ]);
    const failed = call(host, "systemctl", "--user start gone.service");
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^Job for gone\.service failed because the control process exited with error code\./);
    assert.match(
      call(host, "journalctl", "--user --no-pager -n 10 -u gone.service").stdout,
      /podman\[\d+\]: Error: initializing source docker:\/\/docker\.io\/library\/gone:1/,
    );
    assert.equal(call(host, "journalctl", "--user --no-pager -u none.service").stdout, "-- No entries --\n");
    assert.equal(
      call(host, "journalctl", "--no-pager -u ok.service").stdout,
      "-- No entries --\n",
      "the system journal has no user units",
    );

    const show =
      call(host, "systemctl", "--user show --property=Id,ActiveState,SubState,LoadState -- ok.service nope.service")
        .stdout;
    assert.equal(
      show,
      "Id=ok.service\nLoadState=loaded\nActiveState=active\nSubState=running\n\nId=nope.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\n",
    );
    assert.match(
      call(host, "systemctl", "show -p LoadState -- ok.service").stdout,
      /LoadState=not-found/,
      "without --user: the system manager",
    );

    assert.equal(call(host, "systemctl", "--user start flaky.service").code, 0);
    assert.equal(host.unit("flaky.service").active, "active");
    // It crashes on the fake's clock (crashAfterMs): polled, not slept for.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if (host.unit("flaky.service").active !== "active") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual([host.unit("flaky.service").active, host.unit("flaky.service").result], ["failed", "exit-code"]);
    assert.equal(call(host, "systemctl", "--user is-system-running").stdout, "degraded\n");
    call(host, "systemctl", "--user reset-failed flaky.service");
    assert.equal(host.unit("flaky.service").active, "inactive");
    assert.equal(call(host, "systemctl", "--user stop nope.service").code, 5);
  } finally {
    await host.cleanup();
  }
});

Deno.test("volumes export and import tar (import merges); secrets are never printed", async () => {
  const host = await FakeHost.create();
  try {
    const mp = host.addVolume("data", { "a.txt": "one", "sub/b.txt": "two" });
    const tar = host.run("podman", { args: ["volume", "export", "data"], stdin: none, env: {}, cwd: "/" })
      .stdout as Uint8Array;
    assert.equal(call(host, "podman", "volume create copy").stdout, "copy\n");
    assert.match(call(host, "podman", "volume create copy").stderr, /volume with name copy already exists/);
    await Deno.writeTextFile(join(host.volumes().copy!.mountpoint, "keep.txt"), "kept");
    assert.equal(call(host, "podman", "volume import copy -", tar).code, 0);
    const copy = host.volumes().copy!.mountpoint;
    assert.deepEqual([
      await Deno.readTextFile(join(copy, "sub/b.txt")),
      await Deno.readTextFile(join(copy, "keep.txt")),
    ], ["two", "kept"]);
    assert.equal(call(host, "podman", "volume ls --format {{.Name}}").stdout, "copy\ndata\n");
    assert.equal(JSON.parse(call(host, "podman", "volume inspect data").stdout)[0].Mountpoint, mp);
    assert.match(call(host, "podman", "volume rm nope").stderr, /no volume with name "nope" found: no such volume/);
    // --force passes over a missing volume and says which it removed, as podman 5.4-5.8 do.
    call(host, "podman", "volume create gone");
    assert.deepEqual(
      [call(host, "podman", "volume rm --force nope gone").code, call(host, "podman", "volume rm --force x").stdout],
      [0, ""],
    );
    assert.equal(host.volumes().gone, undefined);

    const value = new TextEncoder().encode("hunter2-secret");
    assert.equal(call(host, "podman", "secret create api-key -", value).code, 0);
    const dup = call(host, "podman", "secret create api-key -", value);
    assert.deepEqual([dup.code, dup.stderr], [125, "Error: api-key: secret name in use\n"]);
    assert.equal(call(host, "podman", "secret create --replace api-key -", value).code, 0);
    const everything = [
      call(host, "podman", "secret ls --format json").stdout,
      call(host, "podman", "secret inspect --showsecret api-key").stdout,
      JSON.stringify(host.calls),
    ].join("\n");
    assert.ok(!everything.includes("hunter2"), everything);
    assert.equal(host.secretValue("api-key"), "hunter2-secret");
    assert.deepEqual(
      host.calls.filter((c) => c.args[1] === "create" && c.args[0] === "secret").map((c) => c.stdinLength),
      [14, 14, 14],
    );
    assert.match(call(host, "podman", "secret rm nope").stderr, /no secret with name or id "nope": no such secret/);
  } finally {
    await host.cleanup();
  }
});

Deno.test("the bin/ scripts answer from the same state folder, and racing calls never corrupt it", async () => {
  const host = await FakeHost.create({ images: [NGINX] });
  try {
    await Deno.writeTextFile(join(host.quadletDir, "web.container"), `[Container]\nImage=${NGINX}\n`);
    const run = async (tool: string, ...args: string[]) => {
      const out = await new Deno.Command(join(FakeHost.binDir, tool), {
        args,
        env: host.env(),
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    };
    assert.equal((await run("podman", "--version")).stdout, "podman version 5.8.6\n");
    assert.equal((await run("systemctl", "--user", "daemon-reload")).code, 0);
    assert.equal((await run("systemctl", "--user", "start", "web.service")).code, 0);
    assert.equal(host.unit("web.service").active, "active", "the in-process view sees what the script did");
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => run("podman", "volume", "create", `v${i}`)));
    assert.deepEqual(many.map((r) => r.code), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(Object.keys(host.volumes()).length, 8);
    const secret = new Deno.Command(join(FakeHost.binDir, "podman"), {
      args: ["secret", "create", "k", "-"],
      env: host.env(),
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const w = secret.stdin.getWriter();
    await w.write(new TextEncoder().encode("value"));
    await w.close();
    assert.equal((await secret.output()).code, 0);
    assert.deepEqual(host.secretNames(), ["k"]);
    const r = await run("journalctl", "--user", "--no-pager", "-n", "1", "-u", "web.service");
    assert.match(r.stdout, /Started web\.service\./);
  } finally {
    await host.cleanup();
  }
});

Deno.test("the fake busctl's ListUnitsByNames says what systemctl show says, in busctl's JSON", async () => {
  const host = await FakeHost.create({ images: [NGINX] });
  try {
    await Deno.writeTextFile(join(host.quadletDir, "web.container"), `[Container]\nImage=${NGINX}\n`);
    call(host, "systemctl", "--user daemon-reload");
    call(host, "systemctl", "--user start web.service");
    const asked = ["web.service", "gone.service"];
    const list = (user: string) =>
      call(
        host,
        "busctl",
        `${user} --json=short call org.freedesktop.systemd1 /org/freedesktop/systemd1 ` +
          `org.freedesktop.systemd1.Manager ListUnitsByNames as 2 ${asked.join(" ")}`,
      );
    const answer = JSON.parse(list("--user").stdout);
    assert.equal(answer.type, "a(ssssssouso)");
    assert.deepEqual(answer.data[0].map((e: unknown[]) => e.slice(2, 5)), [
      ["loaded", "active", "running"],
      ["not-found", "inactive", "dead"],
    ]);
    assert.equal(answer.data[0][0][6], "/org/freedesktop/systemd1/unit/web_2eservice");
    const show = call(host, "systemctl", "--user show --property=LoadState,ActiveState,SubState -- web.service");
    assert.match(show.stdout, /LoadState=loaded\nActiveState=active\nSubState=running/);
    // The system manager of a rootless host does not know alice's units.
    assert.deepEqual(JSON.parse(list("--system").stdout).data[0][0].slice(2, 5), ["not-found", "inactive", "dead"]);
    assert.equal(
      call(
        host,
        "busctl",
        "--user --json=short call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ListUnitsByNames as 3 web.service",
      ).code,
      1,
    );
    assert.match(call(host, "busctl", "--user status").stderr, /only "call" is modelled/);
  } finally {
    await host.cleanup();
  }
});
