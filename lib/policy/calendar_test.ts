import assert from "node:assert/strict";
import { CalendarError, parseWindow } from "./calendar.ts";

// 2026-11-29 is a Sunday.
const at = (iso: string) => new Date(`${iso}Z`);

Deno.test("a weekday with a clock range is open inside the range and closed outside it", () => {
  const w = parseWindow("Sun *-*-* 03:00..05:00 UTC");
  assert.equal(w.contains(at("2026-11-29T03:00:00")), true);
  assert.equal(w.contains(at("2026-11-29T04:59:59")), true);
  assert.equal(w.contains(at("2026-11-29T05:00:00")), false);
  assert.equal(w.contains(at("2026-11-29T02:59:00")), false);
  assert.equal(w.contains(at("2026-11-30T03:30:00")), false, "Monday");
});

Deno.test("systemd component syntax: ranges, lists and repetitions of hours and minutes", () => {
  const w = parseWindow("Mon..Fri *-*-* 22..23,0..1:0/15 UTC");
  assert.equal(w.contains(at("2026-11-30T22:15:00")), true);
  assert.equal(w.contains(at("2026-11-30T22:16:00")), false);
  assert.equal(w.contains(at("2026-12-01T01:45:00")), true);
  assert.equal(w.contains(at("2026-12-01T02:00:00")), false);
  assert.equal(w.contains(at("2026-11-29T22:15:00")), false, "Sunday is not Mon..Fri");
});

Deno.test("a clock range may wrap past midnight; weekday ranges may wrap the week", () => {
  const night = parseWindow("*-*-* 22:00..02:00 UTC");
  assert.equal(night.contains(at("2026-11-29T23:10:00")), true);
  assert.equal(night.contains(at("2026-11-30T01:59:00")), true);
  assert.equal(night.contains(at("2026-11-30T02:00:00")), false);
  const weekend = parseWindow("Sat..Sun *:* UTC");
  assert.equal(weekend.contains(at("2026-11-28T12:00:00")), true);
  assert.equal(weekend.contains(at("2026-11-29T12:00:00")), true);
  assert.equal(weekend.contains(at("2026-11-30T12:00:00")), false);
});

Deno.test("dates, day repetitions and shorthands read as systemd reads them", () => {
  assert.equal(parseWindow("*-*-01 *:* UTC").contains(at("2026-12-01T10:00:00")), true);
  assert.equal(parseWindow("*-*-01 *:* UTC").contains(at("2026-12-02T10:00:00")), false);
  assert.equal(parseWindow("2026-11-1/7 *:* UTC").contains(at("2026-11-29T10:00:00")), true);
  assert.equal(parseWindow("2026-11-1/7 *:* UTC").contains(at("2026-11-30T10:00:00")), false);
  assert.equal(parseWindow("daily UTC").contains(at("2026-11-30T00:00:00")), true);
  assert.equal(parseWindow("daily UTC").contains(at("2026-11-30T00:01:00")), false);
});

Deno.test("expressions systemd would refuse are refused with the reason", () => {
  for (
    const [text, why] of [
      ["Funday 03:00", /not a weekday/],
      ["*-*-* 25:00", /outside 0\.\.23/],
      ["*-*-* 05..03:00", /backwards/],
      ["", /empty/],
      ["*-*-* 03:00 04:00", /two time parts/],
    ] as const
  ) {
    assert.throws(() => parseWindow(text), (e: unknown) => e instanceof CalendarError && why.test(e.message), text);
  }
});
