import assert from "node:assert/strict";
import { join } from "node:path";
import { bench, NGINX } from "../../tests/fakes/fake_host_fixtures.ts";
import type { SetFile } from "../quadlet/kinds.ts";
import { doneWhenExitedOf, gateOptions, readyWhenActiveOf, startUnits } from "./health.ts";

const file = (name: string, text: string): SetFile => ({ name, text });

const SLOW_SETTLE = 4_000;

Deno.test("the health gate does not wait out the settle time for units that signal readiness themselves", async () => {
  const b = await bench({ backend: "files" });
  try {
    const files = [
      file("ready.container", `[Container]\nImage=${NGINX}\nNotify=healthy\n`),
      file("data.volume", "[Volume]\n"),
    ];
    for (const f of files) await Deno.writeTextFile(join(b.engine.paths.quadletDir, f.name), f.text);
    await b.engine.systemd.daemonReload();
    const t = performance.now();
    const r = await startUnits(b.engine, ["data-volume.service", "ready.service"], {
      ...gateOptions(b.engine, files, 10_000),
      settleMs: SLOW_SETTLE,
    });
    assert.equal(r.ok, true, JSON.stringify(r.failed));
    assert.ok(performance.now() - t < SLOW_SETTLE, "a oneshot that exited and a Notify=healthy unit are up at once");
  } finally {
    await b.cleanup();
  }
});

Deno.test("the health gate holds a unit without a readiness signal for the settle time, and catches a crash in it", async () => {
  const b = await bench({ backend: "files", crashAfterMs: 300 });
  try {
    const text = `[Container]\nImage=${NGINX}\nExec=/bin/false\n`;
    await Deno.writeTextFile(join(b.engine.paths.quadletDir, "crashy.container"), text);
    await b.engine.systemd.daemonReload();
    const r = await startUnits(b.engine, ["crashy.service"], {
      ...gateOptions(b.engine, [file("crashy.container", text)], 10_000),
      settleMs: 1_000,
    });
    assert.equal(r.ok, false, "a container that dies 0.3 s after it started is not healthy");
    assert.deepEqual(r.failed.map((f) => f.unit), ["crashy.service"]);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a set that comes up just before the deadline gets its settle window instead of a failure naming no unit", async () => {
  const b = await bench({ backend: "files" });
  try {
    const text = `[Container]\nImage=${NGINX}\n`;
    await Deno.writeTextFile(join(b.engine.paths.quadletDir, "slow.container"), text);
    await b.engine.systemd.daemonReload();
    const r = await startUnits(b.engine, ["slow.service"], {
      ...gateOptions(b.engine, [file("slow.container", text)], 200),
      settleMs: 1_000,
    });
    assert.equal(r.ok, true, `up at the deadline and stayed up through the settle window: ${JSON.stringify(r.failed)}`);
  } finally {
    await b.cleanup();
  }
});

Deno.test("Notify=healthy is read through drop-ins; other Notify values are no readiness signal", () => {
  assert.deepEqual(
    readyWhenActiveOf([
      file("a.container", "[Container]\nImage=x\n"),
      file("a.container.d/10-notify.conf", "[Container]\nNotify=healthy\n"),
      file("b.container", "[Container]\nImage=x\nNotify=true\n"),
      file("c.container", "[Container]\nImage=x\nNotify=healthy\nServiceName=cee\n"),
    ]),
    ["a.service", "cee.service"],
  );
});

Deno.test("health-settle in the config sets the settle time", async () => {
  const b = await bench({ backend: "files" });
  try {
    b.engine.config["health-settle"] = "250ms";
    assert.equal(gateOptions(b.engine, [], 1_000).settleMs, 250);
    delete b.engine.config["health-settle"];
    assert.equal(gateOptions(b.engine, [], 1_000).settleMs, 1_200);
  } finally {
    await b.cleanup();
  }
});

Deno.test("a .build unit, done and gone once built (quadlet does not let it remain), counts as up", async () => {
  const b = await bench({ backend: "files" });
  try {
    const files = [
      file("app.build", "[Build]\nImageTag=localhost/app:latest\nFile=Containerfile\nSetWorkingDirectory=unit\n"),
      file("app.container", "[Container]\nImage=app.build\nExec=sleep infinity\n"),
    ];
    for (const f of files) await Deno.writeTextFile(join(b.engine.paths.quadletDir, f.name), f.text);
    await b.engine.systemd.daemonReload();
    const [built] = await (async () => {
      await b.engine.systemd.tryStart("app-build.service");
      return await b.engine.systemd.states(["app-build.service"]);
    })();
    assert.deepEqual(
      [built!.active, built!.result],
      ["inactive", "success"],
      "as the real host shows a finished build",
    );
    const r = await startUnits(b.engine, ["app-build.service", "app.service"], gateOptions(b.engine, files, 3_000));
    assert.equal(r.ok, true, JSON.stringify(r.failed));
  } finally {
    await b.cleanup();
  }
});

Deno.test("which units are done when they exit: builds, and any unit its file makes a oneshot that does not remain", () => {
  const files = [
    file("app.build", "[Build]\nImageTag=localhost/app\n"),
    file("kept.build", "[Build]\nImageTag=localhost/kept\n[Service]\nRemainAfterExit=yes\n"),
    file("data.volume", "[Volume]\n"),
    file("once.volume", "[Volume]\n[Service]\nRemainAfterExit=no\n"),
    file("job.container", `[Container]\nImage=${NGINX}\n[Service]\nType=oneshot\n`),
    file("stays.container", `[Container]\nImage=${NGINX}\n[Service]\nType=oneshot\nRemainAfterExit=true\n`),
    file("web.container", `[Container]\nImage=${NGINX}\n`),
  ];
  assert.deepEqual(doneWhenExitedOf(files).sort(), ["app-build.service", "job.service", "once-volume.service"]);
});
