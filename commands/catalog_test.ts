import assert from "node:assert/strict";
import { searchText } from "./catalog.ts";

Deno.test("search's text: one line per set with what is installed, and each catalog not read with why", () => {
  const text = searchText({
    catalogs: [
      { name: "home", source: "https://git.example.com/home.git", fetched: false, sets: 3 },
      {
        name: "gone",
        source: "https://gone.example.com/x.git",
        fetched: false,
        sets: 0,
        error: "Cannot fetch https://gone.example.com/x.git: no repository there",
        hint: "Check the URL.",
      },
    ],
    sets: [
      {
        name: "web",
        catalog: "home",
        source: "s#:web",
        version: "1.0.0",
        images: [],
        description: "Web",
        installed: { name: "web", sameSource: true, update: true },
      },
      {
        name: "db",
        catalog: "home",
        source: "s#:db",
        images: [],
        description: "DB",
        installed: { name: "db", sameSource: false },
      },
      { name: "bad", catalog: "home", source: "s#:bad", images: [], problem: "it holds no quadlet unit file" },
    ],
  });
  assert.deepEqual(text.split("\n"), [
    "NAME  CATALOG  VERSION  INSTALLED                         DESCRIPTION",
    "web   home     1.0.0    installed, update available       Web",
    "db    home     -        name used by db (another source)  DB",
    "bad   home     -        -                                 (broken: it holds no quadlet unit file)",
    "catalog gone (https://gone.example.com/x.git) not read: Cannot fetch https://gone.example.com/x.git: no repository there",
    "  hint: Check the URL.",
  ]);
  assert.equal(searchText({ catalogs: [], sets: [] }), "No set matches.");
});
