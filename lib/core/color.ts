/**
 * Whether to colour output, decided in one place: never under `NO_COLOR`
 * (any non-empty value, see no-color.org), never when the stream is not a
 * terminal or `TERM=dumb`; an explicit `--color`/`--no-color` wins.
 *
 * @module
 */

/** A stream that can tell whether it is a terminal. */
export interface MaybeTerminal {
  isTerminal(): boolean;
}

/**
 * True when text written to `stream` may carry colour escape codes.
 *
 * @example
 * ```ts
 * const text = formatText(report, { color: useColor(Deno.stdout) });
 * ```
 */
export function useColor(
  stream: MaybeTerminal,
  options: { explicit?: boolean; env?: Record<string, string | undefined> } = {},
): boolean {
  if (options.explicit !== undefined) return options.explicit;
  const env = options.env ?? Deno.env.toObject();
  if (env.NO_COLOR) return false;
  if (env.TERM === "dumb") return false;
  return stream.isTerminal();
}
