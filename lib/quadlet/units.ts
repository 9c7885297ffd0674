/**
 * Every unit a set really has, as the generator and systemd see it:
 * the parts of `.quadlets` bundles are unit files of their own; a template
 * (`web@.container`) runs nothing by itself but through its instances,
 * which are instance files (`web@two.container`, usually a link to the
 * template) and the template's `DefaultInstance=`. Everything that
 * starts, stops, waits for, restarts, backs up or removes units reads
 * them from here.
 *
 * @module
 */
import { expandBundles } from "./bundle.ts";
import { planDropins } from "./dropins.ts";
import {
  instanceFile,
  instanceOf,
  isTemplate,
  type QuadletKind,
  quadletKind,
  type SetFile,
  templateOf,
  unitNameOf,
} from "./kinds.ts";
import { lastValue, mergeUnits, type ParsedUnit, parseUnit } from "./parse.ts";

/** One unit systemd runs for a set. */
export interface SetUnit {
  /** The systemd unit, e.g. `web.service`, `web@two.service`. */
  service: string;
  /** The file the generator makes it from (the template for a `DefaultInstance=`). */
  file: string;
  /** File kind. */
  kind: QuadletKind;
  /** `two` for `web@two.service`, "" for a plain unit. */
  instance: string;
  /** The template in the set it is an instance of, if any. */
  template?: string;
  /** True when it runs only because of the template's `DefaultInstance=`. */
  defaultInstance: boolean;
  /** The unit file with its drop-ins merged. */
  unit: ParsedUnit;
}

/** A set's unit files and the units they make. */
export interface SetUnits {
  /** The set's files with every bundle replaced by its parts. */
  files: SetFile[];
  /** Top-level quadlet files (bundle parts included), templates too. */
  quadlets: SetFile[];
  /** Template files (`name@.kind`). */
  templates: string[];
  /** Units that run, instances included, templates excluded; in file order. */
  units: SetUnit[];
}

/** The set's files with `.quadlets` bundles replaced by the unit files they hold. */
export function unitFilesOf(files: readonly SetFile[]): SetFile[] {
  return files.some((f) => f.name.endsWith(".quadlets")) ? expandBundles(files).files : [...files];
}

/**
 * Expands the instance specifiers of a value for one instance: `%i`/`%I`
 * (the instance), `%p` (the prefix before `@`), `%N`/`%n` (the unit name
 * without and with `.service`). Other specifiers stay.
 */
export function expandInstance(value: string, service: string): string {
  const name = service.replace(/\.service$/, "");
  const at = name.indexOf("@");
  const prefix = at < 0 ? name : name.slice(0, at);
  const instance = at < 0 ? "" : name.slice(at + 1);
  return value.replace(
    /%([iIpNn%])/g,
    (_m, c: string) =>
      c === "i" || c === "I" ? instance : c === "p" ? prefix : c === "N" ? name : c === "n" ? service : "%%",
  );
}

/** The units of a set, instances of its templates included. */
export function setUnits(input: readonly SetFile[]): SetUnits {
  const files = unitFilesOf(input);
  const texts = new Map(files.map((f) => [f.name, f.text]));
  const quadlets = files.filter((f) => !f.name.includes("/") && quadletKind(f.name));
  const names = new Set(quadlets.map((f) => f.name));
  // DefaultInstance= of each template, as a file name the drop-in search can use.
  const defaults = new Map<string, string>();
  const parsedOwn = new Map(quadlets.map((f) => [f.name, parseUnit(f.text, f.name)]));
  for (const f of quadlets) {
    if (!isTemplate(f.name)) continue;
    const inst = lastValue(parsedOwn.get(f.name)!, "Install", "DefaultInstance")?.trim();
    if (inst && /^[A-Za-z0-9_.:\\-]+$/.test(inst)) {
      const file = instanceFile(f.name, inst);
      if (!names.has(file)) defaults.set(file, f.name);
    }
  }
  const plan = planDropins([...files.map((f) => f.name), ...defaults.keys()]);
  const merged = (name: string, own: ParsedUnit) =>
    mergeUnits(own, (plan.byUnit.get(name) ?? []).map((d) => parseUnit(texts.get(d) ?? "", d)));
  const units: SetUnit[] = [];
  for (const f of quadlets) {
    const kind = quadletKind(f.name)!;
    if (!isTemplate(f.name)) {
      const tpl = templateOf(f.name);
      const unit = merged(f.name, parsedOwn.get(f.name)!);
      units.push({
        service: unitNameOf(f.name, unit),
        file: f.name,
        kind,
        instance: instanceOf(f.name),
        ...(tpl && names.has(tpl) ? { template: tpl } : {}),
        defaultInstance: false,
        unit,
      });
    }
    for (const [file, tpl] of defaults) {
      if (tpl !== f.name) continue;
      const unit = merged(file, parsedOwn.get(tpl)!);
      units.push({
        service: unitNameOf(file, unit),
        file: tpl,
        kind,
        instance: instanceOf(file),
        template: tpl,
        defaultInstance: true,
        unit,
      });
    }
  }
  return { files, quadlets, templates: quadlets.filter((f) => isTemplate(f.name)).map((f) => f.name), units };
}

/** The units made from `file` (a template makes its `DefaultInstance=`). */
export function unitsOfFile(units: SetUnits, file: string): SetUnit[] {
  return units.units.filter((u) => u.file === file);
}
