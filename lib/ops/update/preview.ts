/**
 * What staging would bring, without staging: fetch and check each set's
 * source and diff it against the installed files. Nothing is written (no
 * staging area, no recovery of an interrupted run, no lock taken); only
 * the git cache is filled. `leger update --dry-run` is built on it.
 *
 * @module
 */
import type { Engine } from "../../engine.ts";
import { diffAgainst, type DiffResult } from "./diff.ts";
import { eachSet } from "../each_set.ts";
import { requireManifest } from "../set_lookup.ts";
import { fetchVersion, namesFor, type StageResult } from "./stage.ts";

/** A new version that is not staged: the stage result and, when it changed, its diff. */
export interface PreviewResult extends StageResult {
  /** Installed vs fetched (only when `changed`). */
  diff?: DiffResult;
}

/** Fetches and checks new versions of one set or all and diffs them; changes nothing. */
export async function preview(
  engine: Engine,
  nameOrAll: string,
  options: { ref?: string } = {},
): Promise<PreviewResult[]> {
  const names = await namesFor(engine, nameOrAll);
  engine.fetcher.forget();
  return await eachSet(engine, "update", names, nameOrAll === "all", async (name) => {
    const manifest = await requireManifest(engine, name);
    const { result, fetched } = await fetchVersion(engine, manifest, options.ref, "Fetching");
    if (!result.changed) {
      engine.log.info(`${name}: no change`);
      return result;
    }
    return { ...result, diff: await diffAgainst(engine, manifest, fetched.files, result.to) };
  });
}
