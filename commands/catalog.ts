/**
 * `leger search` (alias `leger available`): what the catalogs offer.
 *
 * @module
 */
import type { Command } from "commander";
import type { SearchResult } from "../lib/catalog/search.ts";
import type { SetPreview } from "../lib/catalog/preview.ts";
import { versioned } from "../lib/contract/versioned.ts";
import { InspectPreviewJson, SearchJson } from "../lib/contract/catalog.ts";
import { LegerError, NotFoundError } from "../lib/core/errors.ts";
import { type CliRuntime, type CommandContext, contextFor, output } from "./common.ts";
import { table } from "./table.ts";

function installedText(row: SearchResult["sets"][number]): string {
  const i = row.installed;
  if (!i) return "-";
  if (!i.sameSource) return `name used by ${i.name} (another source)`;
  const as = i.name === row.name ? "installed" : `installed as ${i.name}`;
  return i.update ? `${as}, update available` : as;
}

/** The text of `leger search`. */
export function searchText(result: SearchResult): string {
  const lines: string[] = [];
  if (result.sets.length === 0) lines.push("No set matches.");
  else {
    lines.push(table(
      ["NAME", "CATALOG", "VERSION", "INSTALLED", "DESCRIPTION"],
      result.sets.map((s) => [
        s.name,
        s.catalog,
        s.version ?? "-",
        installedText(s),
        s.problem ? `(broken: ${s.problem})` : s.description ?? "",
      ]),
    ));
  }
  for (const c of result.catalogs.filter((c) => c.error)) {
    lines.push(`catalog ${c.name} (${c.source}) not read: ${c.error}${c.hint ? `\n  hint: ${c.hint}` : ""}`);
  }
  return lines.join("\n");
}

/** Registers `search` and its alias `available`. */
export function register(program: Command, runtime: CliRuntime): void {
  for (const name of ["search", "available"]) {
    program
      .command(name)
      .summary(name === "search" ? "find sets in the catalogs by name, description or image" : "same as leger search")
      .argument("[term]", "text to look for in names, descriptions and images (default: every set)")
      .option("--catalog <source>", "read this catalog (Git URL or folder) instead of those in config.yaml")
      .action(async (term, options, cmd) => {
        const ctx = await contextFor(cmd, runtime);
        const result = await ctx.leger.search(term, options.catalog ? { catalog: options.catalog } : {});
        output(ctx.opts, versioned(SearchJson, result), () => searchText(result));
      });
  }
}

/** The text of `leger inspect` for a set that is not installed. */
export function previewText(p: SetPreview): string {
  const src = p.source;
  const at = src.commit ? ` at ${src.commit.slice(0, 12)}${src.ref ? ` (${src.ref})` : ""}` : "";
  const list = (items: string[]) => (items.length ? items.join(", ") : "none");
  const v = p.verdict;
  const lines = [
    `${p.name}  not installed${p.version ? `  version ${p.version}` : ""}`,
    ...(p.description ? [`  ${p.description}`] : []),
    `  source:   ${src.input}${at}`,
    `  files:    ${list(p.files.map((f) => f.name))}`,
    `  units:    ${list(p.units.map((u) => `${u.unit} (${u.kind})`))}`,
    `  images:   ${list(p.images)}`,
    `  ports:    ${
      list(p.ports.map((x) => x.usedBy.length ? `${x.port} (also published by ${x.usedBy.join(", ")})` : x.port))
    }`,
    `  volumes:  ${list(p.volumes.map((x) => x.unitFile ? `${x.name} (${x.unitFile})` : x.name))}`,
    `  binds:    ${list(p.binds.map((b) => `${b.hostPath} (${b.file})`))}`,
    `  secrets:  ${
      list(p.secrets.map((s) => {
        const has = [
          s.inPodman === undefined ? undefined : s.inPodman ? "in podman" : "not in podman",
          s.setec
            ? `from Setec ${s.setec}${s.inSetec === undefined ? "" : s.inSetec ? " (present)" : " (missing)"}`
            : "",
        ].filter(Boolean);
        return `${s.podmanSecret}${has.length ? ` (${has.join("; ")})` : ""}`;
      }))
    }`,
    `  needs:    ${list(p.dependencies.map((d) => `${d.unit} -> ${d.needs.join(" ")}`))}`,
    `  verdict:  ${v.ok ? "valid" : "invalid"} (${v.errors} error(s), ${v.warnings} warning(s))`,
    ...v.findings.map((f) => `    ${f.file}:${f.line}: ${f.severity}: ${f.message} (${f.code})`),
    `  install would start: ${list(p.wouldStart)}`,
  ];
  return lines.join("\n");
}

/**
 * `leger inspect SOURCE|NAME` of a set that is not installed (commands/sets/sets.ts
 * calls it when no installed set has that name, or with --catalog). When
 * nothing is found there either, `notInstalled` (the error of looking among
 * the installed sets) is what is said first.
 */
export async function inspectNotInstalled(
  ctx: CommandContext,
  source: string,
  options: { catalog?: string; allowUnsigned?: boolean },
  notInstalled?: LegerError,
): Promise<void> {
  const preview = await ctx.leger.inspectSource(source, {
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.allowUnsigned ? { allowUnsigned: true } : {}),
  })
    .catch((error) => {
      if (!(error instanceof LegerError) || error.exitCode !== 5 || !notInstalled) throw error;
      throw new NotFoundError(
        `${notInstalled.message}; not in the catalogs either (${error.message})`,
        notInstalled.hint ? `${notInstalled.hint} See what the catalogs offer with leger search.` : error.hint,
      );
    });
  output(ctx.opts, versioned(InspectPreviewJson, { preview }), () => previewText(preview));
}
