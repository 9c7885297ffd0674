import assert from "node:assert/strict";
import { commitSignature, readTagObject } from "./git_object.ts";

const commit = (sig?: string) =>
  `tree 30e78e14f8d5f55b9db1e0d92b073de7d9f398e5\nauthor a <a@x> 1796576688 +0000\ncommitter a <a@x> 1796576688 +0000\n${
    sig ? `gpgsig ${sig}\n AAAA\n -----END-----\n` : ""
  }\nmessage\n-----BEGIN SSH SIGNATURE-----\n`;

Deno.test("a commit's signature kind is read from its gpgsig header only", () => {
  assert.equal(commitSignature(commit("-----BEGIN SSH SIGNATURE-----")), "ssh");
  assert.equal(commitSignature(commit("-----BEGIN PGP SIGNATURE-----")), "openpgp");
  assert.equal(commitSignature(commit("-----BEGIN SIGNED MESSAGE-----")), "x509");
  assert.equal(commitSignature(commit("-----BEGIN SOMETHING-----")), "unknown");
  // an armor line in the message is not a signature
  assert.equal(commitSignature(commit()), undefined);
  assert.equal(
    commitSignature(commit().replace("committer", "gpgsig-sha256 -----BEGIN PGP SIGNATURE-----\ncommitter")),
    "openpgp",
  );
});

Deno.test("a tag object gives its target, name and the last armor block of its message", () => {
  const raw = "object 142d2ddeaf019c71e1bcbef889bc95bf1d89ee78\ntype commit\ntag v2.0\ntagger a <a@x> 1 +0000\n\nv2\n" +
    "-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
  assert.deepEqual(readTagObject(raw), {
    object: "142d2ddeaf019c71e1bcbef889bc95bf1d89ee78",
    type: "commit",
    tag: "v2.0",
    signature: "openpgp",
  });
  assert.equal(readTagObject(raw.replace(/-----BEGIN[\s\S]*$/, ""))!.signature, undefined);
  assert.equal(readTagObject("tree abc\nparent def\n\nnot a tag\n"), undefined);
});
