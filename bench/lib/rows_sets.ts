/**
 * Rows about start-up and many sets: `list` with 20 sets, `--version`, and
 * `stage all` when nothing changed (20 sets from 2 repositories).
 *
 * @module
 */
import type { Host } from "../../tests/host/guest.ts";
import { createRepo } from "../../tests/host/git_fixture.ts";
import { rounds, timeIn } from "./guest.ts";
import { median, ratioMet, type Row } from "./table.ts";

const URL_BASE = "http://127.0.0.1:8418/bench";
const REPOS = ["one", "two"] as const;
const PER_REPO = 10;

const unit = (n: string) =>
  `[Container]
Image=localhost/leger-test:v1
RunInit=true
ContainerName=bench-${n}
`;

/** Serves 2 repositories of 10 sets each and installs the 20 sets for alice (not started). */
export async function installTwentySets(host: Host): Promise<void> {
  await host.startGitServer();
  for (const repo of REPOS) {
    const files: Record<string, string> = {};
    for (let i = 0; i < PER_REPO; i++) files[`s${i}/s${repo}${i}.container`] = unit(`${repo}${i}`);
    await createRepo(host, `bench/${repo}`, [{ message: "v1", files }]);
  }
  const installs = REPOS.flatMap((repo) =>
    Array.from(
      { length: PER_REPO },
      (_, i) => `leger install ${URL_BASE}/${repo}.git#main:s${i} --name ${repo}${i} --no-start --yes`,
    )
  );
  await timeIn(host, installs.join(" && "));
}

/** `list` with the 20 sets against `podman quadlet list`. */
export async function benchList(host: Host, n: number): Promise<Row> {
  const leger = median(await rounds(host, n, "leger list"));
  const raw = median(await rounds(host, n, "podman quadlet list"));
  return {
    what: "`list`, 20 sets",
    leger: { ms: leger },
    raw: { figure: { ms: raw }, what: "podman quadlet list" },
    goal: "<= 1.3x",
    met: ratioMet({ ms: leger }, { ms: raw }, 1.3),
  };
}

/** `leger --version` against `podman --version`. */
export async function benchVersion(host: Host, n: number): Promise<Row> {
  const leger = median(await rounds(host, n, "leger --version"));
  const raw = median(await rounds(host, n, "podman --version"));
  return {
    what: "`--version`",
    leger: { ms: leger },
    raw: { figure: { ms: raw }, what: "podman --version" },
    goal: "<= 1.5x",
    met: ratioMet({ ms: leger }, { ms: raw }, 1.5),
  };
}

/**
 * `stage all` with nothing new against one `git ls-remote` per repository;
 * the goal is that leger answers from ls-remote alone, checked by counting
 * `git fetch` runs in a GIT_TRACE of leger's git children.
 */
export async function benchStageAll(host: Host, n: number): Promise<Row> {
  const trace = "/tmp/bench-stage-trace";
  const leger = median(await rounds(host, n, `GIT_TRACE=${trace} leger stage all`, { before: `rm -f ${trace}` }));
  const raw = median(await rounds(host, n, REPOS.map((r) => `git ls-remote ${URL_BASE}/${r}.git`).join(" && ")));
  const t = await host.sh(
    `[ -f ${trace} ] || { echo none; exit; }; grep -c 'built-in: git fetch' ${trace}; grep -c 'built-in: git ls-remote' ${trace}`,
    { user: "alice" },
  );
  const [fetches, lsRemotes] = t.stdout.trim().split("\n");
  const traced = fetches !== "none" && lsRemotes !== undefined;
  return {
    what: "`stage all`, 20 sets, nothing new",
    leger: { ms: leger },
    raw: { figure: { ms: raw }, what: "git ls-remote x 2 repositories" },
    goal: "ls-remote only, no fetch",
    met: traced ? Number(fetches) === 0 : undefined,
    note: traced ? `${lsRemotes} ls-remote, ${fetches} fetch` : "git not traced",
  };
}
