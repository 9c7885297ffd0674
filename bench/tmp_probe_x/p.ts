import { createShell } from "../../lib/host/shell.ts";
import { importChecked } from "../../lib/backup/import/checked.ts";
import { sha256File } from "../../lib/core/fs.ts";
const $ = createShell();
const mode = Deno.args[0];
const imp = () =>
  importChecked($, "/tmp/hwm/a.tar.zst", "zstd", {}, (f) => ["sh", "-c", 'cat "$1" > /dev/null', "sh", f], "t");
const t0 = performance.now();
if (mode === "import") await imp();
if (mode === "js") await Promise.all([sha256File("/tmp/hwm/a.tar.zst"), imp()]);
if (mode === "child") await Promise.all([$`sha256sum /tmp/hwm/a.tar.zst`.quiet(), imp()]);
if (mode === "after") {
  await imp();
  await sha256File("/tmp/hwm/a.tar.zst");
}
console.log(mode, ((performance.now() - t0) / 1000).toFixed(2), "s");
