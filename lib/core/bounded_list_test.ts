import assert from "node:assert/strict";
import { boundedList } from "./bounded_list.ts";
import { refusedError } from "../source/collect.ts";
import type { SetRefusal } from "../source/load_set.ts";

Deno.test("a list in a line names a handful and counts the rest", () => {
  assert.equal(boundedList([]), "");
  assert.equal(boundedList(["a", "b", "c", "d", "e", "f"]), "a, b, c, d, e, f");
  assert.equal(boundedList(["a", "b", "c", "d", "e", "f", "g"]), "a, b, c, d, e, f … and 1 more");
  const many = Array.from({ length: 20_000 }, (_, i) => `K${i}`);
  assert.equal(boundedList(many), "K0, K1, K2, K3, K4, K5 … and 19,994 more");
  assert.equal(boundedList(many, 2, " "), "K0 K1 … and 19,998 more");
});

Deno.test("a set refused for many entries names the first few, not all of them", () => {
  const refused: SetRefusal[] = Array.from({ length: 5_000 }, (_, i) => ({
    file: `dev${i}`,
    code: "set/special-file",
    message: `dev${i} is a device`,
    fix: "remove it",
  }));
  const e = refusedError("./set", refused);
  assert.equal(
    e.message,
    "Cannot use ./set: dev0 is a device (and 4999 more: dev1, dev2, dev3, dev4, dev5, dev6 … and 4,993 more)",
  );
});
