/**
 * A set with a `.build` unit on a real host. Quadlet makes a build a
 * oneshot that does not remain after it exits (podman's generator sets
 * `RemainAfterExit=yes` for volumes, networks, images and artifacts, not
 * for builds), so once built it is inactive with result "success". The
 * health gate once waited for it to be "active", timed out and rolled back
 * a good set; here the set installs, its container serves the file the
 * build wrote, and an apply of a new build comes up too.
 *
 * @module
 */
import assert from "node:assert/strict";
import { httpGet, leger, sharedHost, WHO } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const containerfile = (text: string) =>
  `FROM localhost/leger-test:v1\nRUN mkdir -p /www && echo ${text} > /www/index.html\n`;

for (const [i, who] of WHO.filter((w) => w.user === "alice").entries()) {
  Deno.test({
    name: `${who.backend}: a set whose image a .build unit makes installs, serves, and applies a new build`,
    ...opts,
    fn: async () => {
      const host = await sharedHost();
      const port = 18530 + i;
      const name = `built-${who.backend}`;
      const dir = `/home/alice/sets/${name}`;
      const write = async (text: string) => {
        await host.writeFile(`${dir}/Containerfile`, containerfile(text), { user: "alice" });
        await host.writeFile(
          `${dir}/${name}.build`,
          `[Build]\nImageTag=localhost/${name}:latest\nFile=Containerfile\nSetWorkingDirectory=unit\n`,
          { user: "alice" },
        );
        await host.writeFile(
          `${dir}/${name}.container`,
          `[Container]\nImage=${name}.build\nPublishPort=127.0.0.1:${port}:8080\n` +
            `Exec=httpd -f -p 8080 -h /www\n`,
          { user: "alice" },
        );
      };
      await write("built-one");
      const r = await leger(host, who, ["install", dir, "--name", name]);
      assert.equal(r.code, 0, `install: ${r.stdout}\n${r.stderr}`);
      assert.equal((await httpGet(host, `http://127.0.0.1:${port}/`))?.trim(), "built-one");
      const show = await host.exec(
        ["systemctl", "--user", "show", "--property=ActiveState,Result", `${name}-build.service`],
        { user: "alice" },
      );
      assert.match(show.stdout, /ActiveState=inactive/, "the build ran and is gone, as quadlet makes it");
      assert.match(show.stdout, /Result=success/);

      await write("built-two");
      const stage = await leger(host, who, ["stage", name]);
      assert.equal(stage.code, 0, `stage: ${stage.stderr}`);
      const apply = await leger(host, who, ["--yes", "apply", name]);
      assert.equal(apply.code, 0, `apply: ${apply.stdout}\n${apply.stderr}`);
      assert.doesNotMatch(apply.stderr, /rolled back/i);
      assert.equal((await httpGet(host, `http://127.0.0.1:${port}/`))?.trim(), "built-two");

      const rm = await leger(host, who, ["--yes", "remove", name]);
      assert.equal(rm.code, 0, rm.stderr);
    },
  });
}
