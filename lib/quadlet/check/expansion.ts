/**
 * What systemd expands in a value when the unit starts: the generator
 * copies most quadlet values into the `ExecStart=` command line without
 * escaping `$` or `%`, so systemd replaces specifiers (`%h`, `%n`, ...)
 * everywhere, `${NAME}` anywhere in a word and `$NAME` when it is a word
 * of its own (systemd.service(5), "Command lines"). A value holding them
 * can only be checked once expanded: the value checks leave it alone,
 * and `checkExpansions` says when an expansion cannot work.
 *
 * @module
 */
import { isKnownSpecifier, specifiersIn } from "./specifiers.ts";
import { type ValueIssue, warn } from "../value/value_issue.ts";

const BRACED = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;
const GLUED = /\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** The environment variables a value uses (`${NAME}` anywhere, `$NAME` as the whole value). */
export function variablesIn(value: string): string[] {
  const out = [...value.matchAll(BRACED)].map((m) => m[1]!);
  const whole = WHOLE.exec(value);
  if (whole) out.push(whole[1]!);
  return out;
}

/** True when systemd changes the value at start: a variable or a known specifier. */
export function expandsAtStart(value: string): boolean {
  if (variablesIn(value).length > 0) return true;
  return specifiersIn(value).some((s) => isKnownSpecifier(s.letter));
}

/**
 * Problems with the expansions of one command-line value: `$NAME` glued
 * to other text (systemd expands it only as a word of its own) and
 * variables the unit's `[Service]` does not set (`defined` undefined
 * means the unit reads an `EnvironmentFile=`, so any may be set).
 */
export function checkExpansions(value: string, defined: ReadonlySet<string> | undefined): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const braced = new Set([...value.matchAll(BRACED)].map((m) => m.index));
  if (!WHOLE.test(value)) {
    for (const m of value.matchAll(GLUED)) {
      if (braced.has(m.index)) continue;
      issues.push(warn(
        "value/variable",
        `systemd expands $${m[1]} only as a word of its own, so podman gets "$${m[1]}" literally`,
        `write \${${m[1]}}`,
      ));
    }
  }
  if (defined) {
    for (const name of new Set(variablesIn(value))) {
      if (defined.has(name)) continue;
      issues.push(warn(
        "value/variable",
        `\${${name}} is not set in [Service] Environment= of this unit; systemd expands it to nothing unless the service manager has it`,
        `add Environment=${name}=... to [Service] (Environment= in the quadlet section only reaches the container)`,
      ));
    }
  }
  return issues;
}
