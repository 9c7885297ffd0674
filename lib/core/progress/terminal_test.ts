import assert from "node:assert/strict";
import { progressWanted, terminalProgress } from "./terminal.ts";

const tty = { isTerminal: () => true };
const pipe = { isTerminal: () => false };

Deno.test("progress lines only when stdout and stderr are terminals, never quiet, json, journal or TERM=dumb", () => {
  assert.ok(progressWanted({}, { stdout: tty, stderr: tty }, {}));
  assert.ok(!progressWanted({}, { stdout: pipe, stderr: tty }, {}), "leger backup web | tee log");
  assert.ok(!progressWanted({}, { stdout: tty, stderr: pipe }, {}), "2>file");
  assert.ok(!progressWanted({ quiet: true }, { stdout: tty, stderr: tty }, {}));
  assert.ok(!progressWanted({ json: true }, { stdout: tty, stderr: tty }, {}));
  assert.ok(!progressWanted({ journal: true }, { stdout: tty, stderr: tty }, {}));
  assert.ok(!progressWanted({}, { stdout: tty, stderr: tty }, { TERM: "dumb" }));
  assert.ok(
    progressWanted({}, { stdout: tty, stderr: tty }, { NO_COLOR: "1" }),
    "NO_COLOR takes the colour, not the line",
  );
});

function recorder() {
  const out: string[] = [];
  return { out, writeSync: (b: Uint8Array) => (out.push(new TextDecoder().decode(b)), b.length) };
}

Deno.test("the line is rewritten in place, escaped, cut to the terminal's width, and cleared at the end", () => {
  const w = recorder();
  const line = terminalProgress(w, false, () => 40);
  line.show({ task: "restore volume a\x1b[2Jb", done: 1048576, rate: 0, finished: false });
  assert.equal(w.out[0], "\r\x1b[K" + "restore volume a\\x1b[2Jb: 1.0 MiB".slice(0, 39));
  line.clear();
  assert.equal(w.out[1], "\r\x1b[K");
  line.clear();
  assert.equal(w.out.length, 2, "nothing to clear twice");
  line.show({ task: "t", done: 1, rate: 0, finished: false });
  line.show({ task: "t", done: 2, rate: 0, finished: true });
  assert.equal(w.out.at(-1), "\r\x1b[K");
});

Deno.test("a terminal that gives no width is taken as 80 columns", () => {
  const w = recorder();
  terminalProgress(w, false, () => 0).show({
    task: "back up volume systemd-web-data",
    done: 1,
    rate: 0,
    finished: false,
  });
  assert.equal(w.out[0], "\r\x1b[Kback up volume systemd-web-data: 1 B");
});

Deno.test("colour only when asked (NO_COLOR turns it off upstream)", () => {
  const w = recorder();
  terminalProgress(w, true, () => 80).show({ task: "t", done: 1, rate: 0, finished: false });
  assert.ok(w.out[0]!.includes("\x1b[2m"));
  const plain = recorder();
  terminalProgress(plain, false, () => 80).show({ task: "t", done: 1, rate: 0, finished: false });
  assert.ok(!plain.out[0]!.includes("\x1b[2m"));
});
