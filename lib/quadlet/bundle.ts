/**
 * `.quadlets` bundles, as `podman quadlet install` reads them since 5.8:
 * several unit files in one, separated by lines holding only `---`; each
 * part names itself with a `# FileName=NAME` comment and gets the
 * extension of its first quadlet section (`[Container]` -> `.container`).
 *
 * @module
 */
import { QUADLET_KINDS, type SetFile } from "./kinds.ts";

/** One unit file cut out of a bundle. */
export interface BundlePart {
  /** File name the part installs as (`NAME.kind`). */
  name: string;
  /** The part's text (trimmed, as podman installs it). */
  text: string;
  /** Bundle line number of the part's first line, minus one. */
  lineOffset: number;
}

/** A problem with the bundle itself. */
export interface BundleProblem {
  /** 1-based line in the bundle. */
  line: number;
  /** Stable code, `bundle/...`. */
  code: string;
  /** What is wrong. */
  message: string;
  /** What to do. */
  fix: string;
}

/** Splits a bundle into its unit files. */
export function splitBundle(text: string): { parts: BundlePart[]; problems: BundleProblem[] } {
  const lines = text.split("\n");
  const chunks: { start: number; lines: string[] }[] = [];
  let current: { start: number; lines: string[] } = { start: 0, lines: [] };
  lines.forEach((line, i) => {
    if (line.trim() === "---") {
      if (current.lines.length > 0) chunks.push(current);
      current = { start: i + 1, lines: [] };
    } else current.lines.push(line);
  });
  if (current.lines.length > 0 && !(current.lines.length === 1 && current.lines[0] === "")) chunks.push(current);
  const parts: BundlePart[] = [];
  const problems: BundleProblem[] = [];
  const seen = new Map<string, number>();
  for (const chunk of chunks) {
    const lead = chunk.lines.findIndex((l) => l.trim() !== "");
    if (lead < 0) continue;
    const body = chunk.lines.slice(lead).join("\n").trim();
    const first = chunk.start + lead + 1;
    const bodyLines = body.split("\n");
    let ext: string | undefined;
    let name: string | undefined;
    let nameLine = first;
    bodyLines.forEach((raw, i) => {
      const l = raw.trim();
      if (!ext && l.startsWith("[") && l.endsWith("]")) {
        const kind = l.slice(1, -1).replace(/[[\]]/g, "").toLowerCase();
        if ((QUADLET_KINDS as readonly string[]).includes(kind)) ext = `.${kind}`;
      }
      if (name === undefined && l.startsWith("#")) {
        const c = l.slice(1).trim();
        if (c.startsWith("FileName=")) {
          name = c.slice(9).trim();
          nameLine = first + i;
        }
      }
    });
    if (!ext) {
      problems.push({
        line: first,
        code: "bundle/no-type",
        message:
          "this part has no [Container], [Volume], [Network], [Pod], [Kube], [Image], [Build] or [Artifact] section",
        fix: "add the quadlet section, or remove the part",
      });
      continue;
    }
    if (!name) {
      problems.push({
        line: first,
        code: "bundle/no-filename",
        message: name === "" ? "# FileName= names no file" : "this part has no '# FileName=NAME' comment",
        fix: "start the part with a line '# FileName=NAME' (without extension)",
      });
      continue;
    }
    if (/[/\\]/.test(name)) {
      problems.push({
        line: nameLine,
        code: "bundle/bad-filename",
        message: `FileName '${name}' contains a path separator`,
        fix: "use a plain name",
      });
      continue;
    }
    if (name.toLowerCase().endsWith(ext)) {
      problems.push({
        line: nameLine,
        code: "bundle/filename-extension",
        message: `FileName '${name}' already ends in ${ext}: podman installs it as ${name}${ext}`,
        fix: `write '# FileName=${name.slice(0, -ext.length)}'`,
      });
    }
    const full = name + ext;
    if (seen.has(full)) {
      problems.push({
        line: nameLine,
        code: "bundle/duplicate",
        message: `${full} is defined twice (first at line ${seen.get(full)})`,
        fix: "give each part its own FileName",
      });
      continue;
    }
    seen.set(full, nameLine);
    parts.push({ name: full, text: body + "\n", lineOffset: first - 1 });
  }
  if (parts.length === 0 && problems.length === 0) {
    problems.push({
      line: 1,
      code: "bundle/empty",
      message: "the bundle holds no unit",
      fix: "add parts separated by ---",
    });
  }
  return { parts, problems };
}

/** True for a bundle file name. */
export function isBundle(name: string): boolean {
  return name.endsWith(".quadlets");
}

/** Expands the bundles of a list of files into their parts, keeping other files. */
export function expandBundles(files: readonly SetFile[]): {
  files: SetFile[];
  origins: Map<string, { bundle: string; lineOffset: number }>;
  problems: Array<BundleProblem & { file: string }>;
} {
  const out: SetFile[] = [];
  const origins = new Map<string, { bundle: string; lineOffset: number }>();
  const problems: Array<BundleProblem & { file: string }> = [];
  for (const f of files) {
    if (!isBundle(f.name)) {
      out.push(f);
      continue;
    }
    const { parts, problems: p } = splitBundle(f.text);
    problems.push(...p.map((x) => ({ ...x, file: f.name })));
    for (const part of parts) {
      out.push({ name: part.name, text: part.text });
      origins.set(part.name, { bundle: f.name, lineOffset: part.lineOffset });
    }
  }
  return { files: out, origins, problems };
}
