/**
 * {@linkcode versioned}, which every command prints its `--json` result
 * through so that it carries its schema's `version`. Its own module, apart
 * from the map of every schema (lib/contract/outputs.ts), so that a command
 * loads only the schemas of its own output.
 *
 * @module
 */
import type { z } from "zod";

/** A schema whose output carries a literal `version`. */
type Versioned = z.ZodObject<{ version: z.ZodLiteral<number> }>;

/** Adds the schema's `version` to a command's result (the only way commands print JSON). */
export function versioned<S extends Versioned>(schema: S, data: Omit<z.output<S>, "version">): z.output<S> {
  return { version: schema.shape.version.value, ...data } as z.output<S>;
}
