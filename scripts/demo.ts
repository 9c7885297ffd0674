/**
 * `deno task demo`: boots a real systemd + podman host (Debian sid, podman
 * 5.8, built and cached on first use) and shows leger doing its job there,
 * step by step, as the user alice (rootless):
 *
 *   install a quadlet set from a Git server, list it, change the
 *   repository, stage + diff + apply the change, back up and restore a
 *   volume, and watch an update that fails get rolled back.
 *
 * Needs root on Linux (it boots a container with systemd-nspawn); installs
 * debootstrap and systemd-container with apt-get when they are missing.
 *
 * @module
 */
import { addCommits, createRepo } from "../tests/host/git_fixture.ts";
import type { Host } from "../tests/host/guest.ts";
import { bootHost, hostAvailable } from "../tests/host/host.ts";

const bold = (s: string) => (Deno.stdout.isTerminal() ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (Deno.stdout.isTerminal() ? `\x1b[2m${s}\x1b[0m` : s);

function say(text: string): void {
  console.log(`\n${bold("## " + text)}`);
}

async function leger(host: Host, args: string[], expectFail = false): Promise<string> {
  console.log(bold(`alice$ leger ${args.join(" ")}`));
  const r = await host.exec(["leger", ...args], { user: "alice", timeoutMs: 240_000 });
  const out = (r.stderr + r.stdout).trimEnd(); // progress first, then the result
  if (out) console.log(out.split("\n").map((l) => "  " + l).join("\n"));
  if ((r.code !== 0) !== expectFail) {
    throw new Error(`demo step failed: leger ${args.join(" ")} exited ${r.code}`);
  }
  return r.stdout;
}

async function sh(host: Host, script: string, user: "alice" | "root" = "alice"): Promise<string> {
  console.log(bold(`${user}$ ${script}`));
  const r = await host.sh(script, { user });
  const out = (r.stdout + r.stderr).trimEnd();
  if (out) console.log(out.split("\n").map((l) => "  " + l).join("\n"));
  return r.stdout;
}

function web(image: string, port: number, env: string[] = []): string {
  return `[Unit]
Description=Demo web server

[Container]
Image=${image}
RunInit=true
PublishPort=127.0.0.1:${port}:8080
Volume=web-data.volume:/www/data
${env.map((e) => `Environment=${e}\n`).join("")}Exec=/bin/sh -c "echo serving; exec httpd -f -p 8080 -h /www"

[Install]
WantedBy=default.target
`;
}

async function ensureTools(): Promise<void> {
  const ready = await hostAvailable();
  if (ready.ok) return;
  if (Deno.uid() === 0 && ready.missing.some((m) => /debootstrap|systemd-nspawn/.test(m))) {
    console.log(dim("installing debootstrap and systemd-container with apt-get ..."));
    const apt = (args: string[]) =>
      new Deno.Command("apt-get", {
        args,
        stdout: "null",
        stderr: "inherit",
        env: { DEBIAN_FRONTEND: "noninteractive" },
      }).output();
    await apt(["update", "-q"]);
    await apt(["install", "-y", "-q", "debootstrap", "systemd-container"]);
  }
  const again = await hostAvailable();
  if (!again.ok) {
    console.error(`The demo boots a real host and needs: ${again.missing.join(", ")}.`);
    Deno.exit(1);
  }
}

await ensureTools();
say("Booting a throwaway Debian host with systemd 26x and podman 5.8 (first run builds and caches it: about a minute)");
const started = Date.now();
const host = await bootHost({ log: (l) => console.log(dim("  " + l)) });
try {
  console.log(dim(`  booted in ${((Date.now() - started) / 1000).toFixed(1)} s`));
  await host.startGitServer({ port: 8418 });
  await host.writeFile("/home/alice/.config/leger/config.yaml", "forges:\n  127.0.0.1:8418: gitea\n", {
    user: "alice",
  });

  say("A Git repository with a quadlet set, served over HTTP like a self-hosted Gitea");
  const repo = await createRepo(host, "alice/homelab", [{
    message: "web v1",
    files: {
      "web/web.container": web("localhost/leger-test:v1", 18080),
      "web/web-data.volume": "[Volume]\n",
      "web/.leger.yaml": "version: 1.0.0\ndescription: demo web server\n",
    },
  }]);
  await sh(host, "git -C /srv/git-work/alice/homelab log --oneline; ls /srv/git-work/alice/homelab/web", "root");

  say("Install it from the forge's tree URL: fetched, checked, installed with podman quadlet, started");
  await leger(host, ["install", "http://127.0.0.1:8418/alice/homelab/src/branch/main/web"]);
  await leger(host, ["list"]);
  await sh(host, "busybox wget -qO- http://127.0.0.1:18080/");

  say("Put some data in the volume");
  await sh(
    host,
    "podman exec systemd-web sh -c 'echo precious > /www/data/notes.txt'; busybox wget -qO- http://127.0.0.1:18080/data/notes.txt",
  );

  say("The repository moves on: image v2, a new environment variable, another port");
  await addCommits(host, repo, [{
    message: "web v2",
    files: {
      "web/web.container": web("localhost/leger-test:v2", 18081, ["GREETING=hello"]),
      "web/.leger.yaml": "version: 2.0.0\ndescription: demo web server\n",
    },
  }]);
  await leger(host, ["stage", "web"]);
  await leger(host, ["diff", "web"]);

  say("Apply: automatic backup first, then only what changed restarts, then a health check");
  await leger(host, ["apply", "web"]);
  await sh(host, "busybox wget -qO- http://127.0.0.1:18081/; podman exec systemd-web env | grep GREETING");
  await leger(host, ["backups", "web"]);

  say("A broken update (the container exits at once) is rolled back by itself");
  await addCommits(host, repo, [{
    message: "web v3 (broken)",
    files: {
      "web/web.container": web("localhost/leger-test:v2", 18081).replace(
        /Exec=.*/,
        "Exec=/bin/sh -c 'echo oops; exit 3'",
      ),
    },
  }]);
  await leger(host, ["stage", "web"]);
  await leger(host, ["apply", "web", "--health-timeout", "20s"], true);
  await leger(host, ["list"]);
  await sh(host, "busybox wget -qO- http://127.0.0.1:18081/");

  say("Back up, lose data, restore: the volume is exactly as it was");
  await leger(host, ["backup", "web"]);
  await sh(
    host,
    "podman exec systemd-web sh -c 'rm /www/data/notes.txt; echo junk > /www/data/junk.txt'; ls $(podman volume inspect systemd-web-data --format '{{.Mountpoint}}')",
  );
  await leger(host, ["--yes", "restore", "web"]);
  await sh(
    host,
    "busybox wget -qO- http://127.0.0.1:18081/data/notes.txt; ls $(podman volume inspect systemd-web-data --format '{{.Mountpoint}}')",
  );

  say("Done. Everything above ran on real systemd and podman.");
} finally {
  await host.stop();
}
