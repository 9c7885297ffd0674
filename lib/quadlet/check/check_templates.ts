/**
 * Checks of templates and their instances across a set: `DefaultInstance=`
 * where it means nothing, a template nothing enables, and an instance file
 * whose template the set does not have. An instance that is a link to its
 * template (podman's documented way to make one) reads as a copy of the
 * template's text and is not warned about.
 *
 * @module
 */
import type { DiagnosticSink } from "../diagnostic.ts";
import { templateOf } from "../kinds.ts";
import { entriesOf, hasSection, listEntries } from "../parse.ts";
import type { LoadedSet } from "../set.ts";

/** Runs the template checks over a loaded set. */
export function checkTemplates(set: LoadedSet, sink: DiagnosticSink): void {
  for (const unit of set.units.values()) {
    const template = templateOf(unit.file);
    const tpl = template ? set.units.get(template) : undefined;
    // A link to the template (or a copy of it) carries the template's DefaultInstance=: that is fine.
    const linked = tpl !== undefined && set.files.get(template!) === set.files.get(unit.file);
    if (!unit.template && !linked) {
      for (const e of entriesOf(unit.own, "Install", "DefaultInstance")) {
        sink.at(
          e,
          "warning",
          "template/default-instance",
          tpl
            ? `DefaultInstance= only matters in the template ${template}, not in its instance ${unit.file}`
            : "DefaultInstance= only matters in a template (name@.kind)",
          tpl ? `remove it, or make ${unit.file} a link to ${template}` : "remove it, or rename the file foo@.kind",
        );
      }
    }
    if (template && !tpl) {
      const empty = !hasSection(unit.own, unit.section);
      sink.add({
        file: unit.file,
        line: 1,
        column: 1,
        severity: empty ? "error" : "warning",
        code: "template/missing",
        message: `${unit.file} is an instance of ${template}, which the set does not have${
          empty ? `: it has no [${unit.section}] section of its own, so the generator cannot make it` : ""
        }`,
        fix: `add ${template} to the set (and make ${unit.file} a link to it), or rename ${unit.file}`,
      });
    }
    if (unit.template && entriesOf(unit.merged, "Install", "DefaultInstance").length === 0) {
      const instances = [...set.units.keys()].some((n) => templateOf(n) === unit.file);
      const wanted = ["WantedBy", "RequiredBy", "UpheldBy"].flatMap((k) => listEntries(unit.merged, "Install", k));
      if (wanted[0] && !instances) {
        sink.at(
          wanted[0],
          "warning",
          "template/not-enabled",
          `${unit.file} is a template without DefaultInstance=: the generator enables no instance`,
          "add DefaultInstance=NAME to [Install], or add instance files name@NAME.kind",
        );
      }
    }
  }
}
