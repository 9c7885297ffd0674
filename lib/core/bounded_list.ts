/**
 * Lists in a line of text that a person reads: a handful of names, then a
 * count of the rest. The fact that forced it: `leger diff` of a rewritten
 * 20,000-line env file printed every changed key on one summary line of
 * 300 KB. Data (`--json`, the workflow API) keeps every item; only the
 * text is bounded.
 *
 * @module
 */

/** How many items a summary line names before it counts the rest. */
export const NAMED_IN_SUMMARY = 6;

/**
 * `a, b, c, d, e, f … and 19,994 more`: the first `max` items joined with
 * `sep`, then how many were left out; all of them when there are no more
 * than `max`.
 */
export function boundedList(items: readonly string[], max = NAMED_IN_SUMMARY, sep = ", "): string {
  if (items.length <= max) return items.join(sep);
  const more = items.length - max;
  return `${items.slice(0, max).join(sep)} … and ${more.toLocaleString("en-US")} more`;
}
