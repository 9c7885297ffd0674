/**
 * systemd specifiers (`%h`, `%t`, `%i`, `%%`, ...) in quadlet values:
 * which exist, which need a template unit, and how to expand the ones a
 * host path check can resolve.
 *
 * @module
 */

/** Specifier letters systemd resolves in unit files (systemd.unit(5)). */
export const KNOWN_SPECIFIERS = "aAbBCdDEfgGhHiIjJlLmMnNopPqsStTuUvVwWyY%";

/** A specifier found in a value. */
export interface SpecifierUse {
  /** The letter after `%` ("" at the end of the value). */
  letter: string;
  /** 0-based offset of the `%` in the value. */
  offset: number;
}

/** Lists the specifiers of a value (`%%` and a `%` ending the value are literal percent signs). */
export function specifiersIn(value: string): SpecifierUse[] {
  const out: SpecifierUse[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== "%") continue;
    const letter = value[i + 1] ?? "";
    if (letter !== "%" && letter !== "") out.push({ letter, offset: i });
    i++;
  }
  return out;
}

/** True when the letter is a specifier systemd knows. */
export function isKnownSpecifier(letter: string): boolean {
  return letter.length === 1 && KNOWN_SPECIFIERS.includes(letter);
}

/** Specifiers that depend on the instance of a template unit. */
export const INSTANCE_SPECIFIERS = ["i", "I", "j", "J"];

/**
 * Expands the specifiers a path check can know (`%h`, `%t`, `%U`, `%u`,
 * `%%`) with the given values; returns undefined if anything else is left.
 */
export function expandPath(value: string, known: Readonly<Record<string, string>>): string | undefined {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== "%") {
      out += c;
      continue;
    }
    const letter = value[i + 1] ?? "";
    i++;
    if (letter === "%") out += "%";
    else if (letter in known) out += known[letter];
    else return undefined;
  }
  return out;
}
