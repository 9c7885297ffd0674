/**
 * Each set reaches only its own secrets by default. A set's `.leger.yaml`
 * names Setec secrets and the Podman secrets leger fills from them; an
 * author could name another set's Setec secret (the host's Setec grant
 * covers every secret under `daemon.secret-prefix`), or use with `Secret=`
 * a Podman secret another installed set owns, and read a value meant for
 * that set. So, on the paths that install (install, stage, apply):
 *
 * - `secret/outside-prefix`: a declared Setec name must lie under the
 *   set's own prefix, `<daemon.secret-prefix><set>/` (`leger/web/...` for
 *   the set `web`);
 * - `secret/other-set`: a `Secret=` may not name a Podman secret another
 *   installed set declares unless this set declares it too (which then
 *   passes the prefix rule).
 *
 * The host owner lets sets share a secret on purpose with
 * `daemon.shared-secrets` in config.yaml: Setec names, or prefixes ending
 * in `/`, that any set may declare (`[leger/shared/]`). Both findings are
 * errors that name that key.
 *
 * @module
 */
import type { Diagnostic } from "../quadlet/diagnostic.ts";

/** What the rules read: the set, what it declares and uses, the installed sets, the host's config. */
export interface SecretScope {
  /** The set's name as installed. */
  set: string;
  /** `.leger.yaml` `secrets:` (Setec name, Podman secret name). */
  declared: ReadonlyArray<{ name: string; podmanSecret: string }>;
  /** Podman secrets the units use with `Secret=`, with the file that uses each. */
  used: ReadonlyArray<{ podmanSecret: string; file: string }>;
  /** The other installed sets' declared secrets. */
  others: ReadonlyArray<{ set: string; secrets: ReadonlyArray<{ name: string; podmanSecret: string }> }>;
  /** `daemon.secret-prefix`. */
  prefix: string;
  /** `daemon.shared-secrets`. */
  shared: readonly string[];
}

/** The set's own Setec prefix: `leger/web/`. */
export function ownPrefix(prefix: string, set: string): string {
  return `${prefix}${set}/`;
}

function sharedOk(name: string, shared: readonly string[]): boolean {
  return shared.some((s) => (s.endsWith("/") ? name.startsWith(s) : name === s));
}

/** The findings of the rules above (errors), empty when the set keeps to its own secrets. */
export function secretScopeFindings(scope: SecretScope): Diagnostic[] {
  const out: Diagnostic[] = [];
  const own = ownPrefix(scope.prefix, scope.set);
  for (const d of scope.declared) {
    if (d.name.startsWith(own) || sharedOk(d.name, scope.shared)) continue;
    const owner = scope.others.find((o) => o.secrets.some((s) => s.name === d.name))?.set;
    out.push({
      file: ".leger.yaml",
      line: 1,
      column: 1,
      severity: "error",
      code: "secret/outside-prefix",
      key: "secrets",
      message: `the Setec secret ${d.name} is outside ${scope.set}'s own prefix ${own}${
        owner ? ` (the installed set ${owner} uses it)` : ""
      }; a set reaches only its own secrets`,
      fix: `rename it under ${own}, or let sets share it: daemon.shared-secrets: [${d.name}] in config.yaml`,
      source: "leger",
    });
  }
  const mine = new Set(scope.declared.map((d) => d.podmanSecret));
  for (const u of scope.used) {
    if (mine.has(u.podmanSecret)) continue;
    const owner = scope.others.find((o) => o.secrets.some((s) => s.podmanSecret === u.podmanSecret));
    if (!owner) continue;
    const from = owner.secrets.find((s) => s.podmanSecret === u.podmanSecret)!.name;
    out.push({
      file: u.file,
      line: 1,
      column: 1,
      severity: "error",
      code: "secret/other-set",
      key: "Secret",
      message: `Secret=${u.podmanSecret} is the Podman secret the installed set ${owner.set} fills from ${from}; ` +
        `${scope.set} does not declare it`,
      fix: `declare it in .leger.yaml (podman-secret: ${u.podmanSecret}, name: ${from}) and list ${from} in ` +
        "daemon.shared-secrets in config.yaml, or give this set a secret of its own",
      source: "leger",
    });
  }
  return out;
}
