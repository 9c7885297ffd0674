import assert from "node:assert/strict";
import { compareTags, newestTag, tagMatches } from "./tags.ts";

Deno.test("the newest matching tag is chosen in semantic-version order, not by name", () => {
  const tags = ["v1.2.0", "v1.10.0", "v1.9.3", "v2.0.0", "v1.10.0-rc.1", "latest"];
  assert.equal(newestTag("v1.*", tags), "v1.10.0");
  assert.equal(newestTag("v*", tags), "v2.0.0");
  assert.equal(newestTag("v3.*", tags), undefined);
});

Deno.test("pre-releases are older than their release, and ordered among themselves", () => {
  assert.ok(compareTags("v2.0.0-rc.1", "v2.0.0") < 0);
  assert.ok(compareTags("v2.0.0-rc.2", "v2.0.0-rc.10") < 0);
  assert.ok(compareTags("v2.0.0-alpha", "v2.0.0-beta") < 0);
  assert.ok(compareTags("1.2", "1.2.1") < 0);
  assert.equal(newestTag("v2.0.0*", ["v2.0.0-rc.1", "v2.0.0-rc.2"]), "v2.0.0-rc.2");
});

Deno.test("patterns are globs: dots are literal, * and ? are wildcards", () => {
  assert.equal(tagMatches("v1.*", "v1.2.3"), true);
  assert.equal(tagMatches("v1.*", "v12.0"), false);
  assert.equal(tagMatches("release-?.?", "release-1.2"), true);
  assert.equal(tagMatches("release-?.?", "release-1.23"), false);
});
