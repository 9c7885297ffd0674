/** Fixtures of apply's tests: three versions of a set, and installing the first of a repository of them. */
import { type Bench, NGINX, repoWith } from "../../../tests/fakes/fake_host_fixtures.ts";
import { install } from "../../../tests/helpers/ops.ts";

export const FAST = { healthTimeoutMs: 5_000 };

/** web (with a data volume) and a worker beside it. */
export const V1 = {
  "web.container": `[Container]\nImage=${NGINX}\nVolume=web-data.volume:/usr/share/nginx/html\nPublishPort=8080:80\n`,
  "web-data.volume": "[Volume]\n",
  "worker.container": `[Container]\nImage=${NGINX}\nExec=sleep infinity\n`,
  ".leger.yaml": "version: 1.0.0\n",
};
/** v2 changes the volume (so web restarts with it) and publishes another port; the worker is untouched. */
export const V2 = {
  ...V1,
  "web.container": V1["web.container"].replace("8080:80", "8081:80"),
  "web-data.volume": "[Volume]\nLabel=app=web\n",
  ".leger.yaml": "version: 2.0.0\n",
};
/** v3's web exits a moment after it starts. */
export const V3 = {
  ...V2,
  "web.container": V2["web.container"].replace("PublishPort=8081:80", "PublishPort=8082:80\nExec=/bin/false"),
  ".leger.yaml": "version: 3.0.0\n",
};

export const restarts = (b: Bench) => b.host.callLines("systemctl").filter((l) => l.startsWith("--user restart "));

/** Installs `first` from a repository of tagged versions; returns the tags' commits. */
export async function installed(b: Bench, versions: Record<string, Record<string, string | null>>, first: string) {
  const tags = Object.keys(versions);
  const { url, ids } = await repoWith(b.host, tags.map((tag) => ({ folder: "web", files: versions[tag]!, tag })));
  await install(b.engine, `${url}#${first}:apps/web`, FAST);
  return Object.fromEntries(tags.map((t, i) => [t, ids[i]!]));
}
