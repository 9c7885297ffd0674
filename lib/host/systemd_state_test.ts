/**
 * Reading systemd's answers about units: `systemctl show` blocks and
 * busctl's `ListUnitsByNames` JSON (as the real test host printed it). An
 * answer that is not exactly one entry per unit asked is refused, so
 * `leger list` asks `systemctl show` instead of printing a wrong state.
 */
import assert from "node:assert/strict";
import { listByNamesArgs, parseListByNames, parseStates, showArgs } from "./systemd_state.ts";

// busctl --user --json=short call ... ListUnitsByNames as 3 sone1.service nothere.service sone3.service (systemd 262)
const REAL =
  `{"type":"a(ssssssouso)","data":[[["sone1.service","sone1.service","loaded","active","running","","/org/freedesktop/systemd1/unit/sone1_2eservice",0,"","/"],["nothere.service","nothere.service","not-found","inactive","dead","","/org/freedesktop/systemd1/unit/nothere_2eservice",0,"","/"],["sone3.service","sone3.service","loaded","inactive","dead","","/org/freedesktop/systemd1/unit/sone3_2eservice",0,"","/"]]]}`;
const UNITS = ["sone1.service", "nothere.service", "sone3.service"];

Deno.test("busctl's ListUnitsByNames answer gives each unit's load, active and sub state in the order asked", () => {
  assert.deepEqual(parseListByNames(UNITS, REAL), [
    { unit: "sone1.service", load: "loaded", active: "active", sub: "running", result: "", restarts: 0 },
    { unit: "nothere.service", load: "not-found", active: "inactive", sub: "dead", result: "", restarts: 0 },
    { unit: "sone3.service", load: "loaded", active: "inactive", sub: "dead", result: "", restarts: 0 },
  ]);
  assert.deepEqual(listByNamesArgs("user", ["a.service"]).slice(0, 2), ["--user", "--json=short"]);
  assert.deepEqual(listByNamesArgs("system", ["a.service", "b.service"]).slice(-4), [
    "as",
    "2",
    "a.service",
    "b.service",
  ]);
});

Deno.test("a busctl answer that is not one well-formed entry per unit, in order, is refused", () => {
  const doc = JSON.parse(REAL);
  const variant = (change: (d: typeof doc) => void) => {
    const copy = structuredClone(doc);
    change(copy);
    return JSON.stringify(copy);
  };
  for (
    const bad of [
      "",
      "not json",
      'a(ssssssouso) 1 "sone1.service"',
      "null",
      "{}",
      '{"data":[]}',
      variant((d) => d.data[0].pop()),
      variant((d) => d.data[0].reverse()),
      variant((d) => (d.data[0][1][0] = "other.service")),
      variant((d) => (d.data[0][0][3] = 1)),
      variant((d) => (d.data[0][2] = "x")),
      variant((d) => (d.data[0][0] = d.data[0][0].slice(0, 4))),
    ]
  ) {
    assert.equal(parseListByNames(UNITS, bad), undefined, bad);
  }
});

Deno.test("systemctl show blocks give every field, and a unit systemd said nothing of is unknown", () => {
  const out = "Id=a.service\nActiveState=failed\nSubState=failed\nLoadState=loaded\nResult=exit-code\nNRestarts=3\n\n" +
    "Id=b.service\nActiveState=active\nSubState=running\nLoadState=loaded\nResult=success\nNRestarts=0\n";
  assert.deepEqual(parseStates(["a.service", "b.service", "c.service"], out), [
    { unit: "a.service", active: "failed", sub: "failed", load: "loaded", result: "exit-code", restarts: 3 },
    { unit: "b.service", active: "active", sub: "running", load: "loaded", result: "success", restarts: 0 },
    { unit: "c.service", active: "unknown", sub: "unknown", load: "unknown", result: "", restarts: 0 },
  ]);
  assert.deepEqual(showArgs(["x.service"]).slice(-2), ["--", "x.service"]);
});
