/**
 * Measures validating a 30-file quadlet set: in process (cold and warm)
 * and as a fresh `deno run` process, start-up included.
 *
 *   deno run -A bench/validate_30_files.ts
 *
 * Prints numbers; it is not a test.
 */
import { validatePath } from "../lib/source/validate_path.ts";

async function writeSet(dir: string): Promise<number> {
  let n = 0;
  const write = async (name: string, text: string) => {
    const slash = name.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${dir}/${name.slice(0, slash)}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${name}`, text);
    n++;
  };
  await write("front.network", "[Network]\nNetworkName=front\nSubnet=10.89.1.0/24\nGateway=10.89.1.1\n");
  await write("back.network", "[Network]\nNetworkName=back\nInternal=true\n");
  for (let i = 0; i < 10; i++) {
    await write(
      `svc${i}.container`,
      [
        "[Unit]",
        `Description=Service ${i}`,
        i > 0 ? `After=svc${i - 1}.container` : "",
        "",
        "[Container]",
        `Image=ghcr.io/example/svc${i}:1.${i}`,
        `ContainerName=svc${i}`,
        "Network=front.network",
        "Network=back.network",
        `PublishPort=127.0.0.1:${8000 + i}:80`,
        `Volume=data${i % 5}.volume:/data:Z`,
        `EnvironmentFile=svc${i}.env`,
        `Secret=token${i},type=env,target=TOKEN`,
        "HealthCmd=curl -fsS http://localhost/healthz",
        "HealthInterval=30s",
        "Exec=--port 80 \\",
        "  # verbose while testing",
        "  --verbose",
        "",
        "[Service]",
        "Restart=on-failure",
        "TimeoutStartSec=900",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
      ].join("\n"),
    );
    if (i < 8) await write(`svc${i}.env`, `NAME=svc${i}\n`);
  }
  for (let i = 0; i < 5; i++) await write(`data${i}.volume`, `[Volume]\nVolumeName=data${i}\nLabel=backup=daily\n`);
  for (let i = 0; i < 4; i++) await write(`svc${i}.container.d/10-limits.conf`, "[Container]\nMemory=512m\n");
  await write(
    ".leger.yaml",
    "name: bench\nsecrets:\n" +
      [...Array(10).keys()].map((i) => `  - name: bench/token${i}\n    podman-secret: token${i}\n`).join(""),
  );
  return n;
}

if (Deno.args[0] === "--child") {
  const t = performance.now();
  const r = await validatePath(Deno.args[1]!, { rootless: true });
  console.log(JSON.stringify({ ms: performance.now() - t, diagnostics: r.diagnostics.length }));
  Deno.exit(0);
}

const dir = await Deno.makeTempDir({ prefix: "leger-bench-" });
try {
  const files = await writeSet(dir);
  let t = performance.now();
  const first = await validatePath(dir, { rootless: true });
  const cold = performance.now() - t;
  const runs = 50;
  t = performance.now();
  for (let i = 0; i < runs; i++) await validatePath(dir, { rootless: true });
  const warm = (performance.now() - t) / runs;
  const procs: number[] = [];
  let inChild = 0;
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", new URL(import.meta.url).pathname, "--child", dir],
      stdout: "piped",
    }).output();
    procs.push(performance.now() - t);
    inChild = JSON.parse(new TextDecoder().decode(out.stdout)).ms;
  }
  procs.sort((a, b) => a - b);
  console.log(
    `set: ${files} files, ${first.diagnostics.length} diagnostics (${first.errors} errors, ${first.warnings} warnings)`,
  );
  console.log(`in process, first run (module warm-up included): ${cold.toFixed(1)} ms`);
  console.log(`in process, warm, mean of ${runs}: ${warm.toFixed(2)} ms`);
  console.log(
    `fresh deno process incl. start-up: median ${procs[2]!.toFixed(0)} ms, min ${procs[0]!.toFixed(0)} ms, max ${
      procs[4]!.toFixed(0)
    } ms (validation inside it: ${inChild.toFixed(1)} ms)`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
