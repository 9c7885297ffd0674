import assert from "node:assert/strict";
import { useColor } from "./color.ts";

const tty = { isTerminal: () => true };
const pipe = { isTerminal: () => false };

Deno.test("colour only on a terminal, never under NO_COLOR or TERM=dumb; an explicit flag wins", () => {
  assert.equal(useColor(tty, { env: {} }), true);
  assert.equal(useColor(pipe, { env: {} }), false);
  assert.equal(useColor(tty, { env: { NO_COLOR: "1" } }), false);
  assert.equal(useColor(tty, { env: { NO_COLOR: "" } }), true); // no-color.org: only a non-empty value counts
  assert.equal(useColor(tty, { env: { TERM: "dumb" } }), false);
  assert.equal(useColor(pipe, { env: { NO_COLOR: "1" }, explicit: true }), true);
  assert.equal(useColor(tty, { env: {}, explicit: false }), false);
});
