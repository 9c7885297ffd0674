/**
 * The wire format of the Setec stand-in: request bodies decoded as Go's
 * encoding/json fills Setec's request structs (PascalCase fields matched
 * case-insensitively, unknown fields ignored, base64 `[]byte`, uint32
 * versions) and answers as Go's `http.Error` and `json.Marshal` write them.
 *
 * @module
 */

/** The request fields of every Setec method, as Go decodes them. */
export interface Fields {
  Name?: string;
  Version?: number;
  UpdateIfChanged?: boolean;
  Value?: Uint8Array;
}

class BadRequest extends Error {}

const FIELD_TYPES: Record<string, keyof Fields> = {
  name: "Name",
  version: "Version",
  updateifchanged: "UpdateIfChanged",
  value: "Value",
};

/** Decodes a body the way Go's encoding/json fills Setec's request structs. */
export function decodeFields(text: string): { fields: Fields; keys: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadRequest();
  }
  if (data === null) return { fields: {}, keys: [] };
  if (typeof data !== "object" || Array.isArray(data)) throw new BadRequest();
  const fields: Fields = {};
  const keys = Object.keys(data);
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    const field = FIELD_TYPES[key.toLowerCase()];
    if (!field || raw === null) continue; // Go ignores unknown fields and nulls
    if (field === "Name") {
      if (typeof raw !== "string") throw new BadRequest();
      fields.Name = raw;
    } else if (field === "Version") {
      if (
        typeof raw !== "number" || !Number.isInteger(raw) || raw < 0 ||
        raw > 0xffff_ffff
      ) {
        throw new BadRequest();
      }
      fields.Version = raw;
    } else if (field === "UpdateIfChanged") {
      if (typeof raw !== "boolean") throw new BadRequest();
      fields.UpdateIfChanged = raw;
    } else {
      if (typeof raw !== "string") throw new BadRequest();
      fields.Value = fromBase64(raw);
    }
  }
  return { fields, keys };
}

export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new BadRequest();
  }
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function bytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? new TextEncoder().encode(value) : value;
}

/** Go's http.Error: plain text, a final newline. */
export function textError(message: string, status: number): Response {
  return new Response(message + "\n", {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
    },
  });
}

export function json(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}
