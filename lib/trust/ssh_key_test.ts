import assert from "node:assert/strict";
import { makeSigners, sh } from "../../tests/helpers/signing.ts";
import { allowedSignersLine, parseSshPublicKey } from "./ssh_key.ts";

Deno.test("an SSH public key line gives the fingerprint ssh-keygen prints, and its allowed-signers line", async () => {
  const signers = await makeSigners();
  try {
    const key = parseSshPublicKey(`# alice's laptop\n${signers.sshLine.alice}\n\n`, "trust.keys.alice");
    assert.equal(key.type, "ssh-ed25519");
    const printed = await sh("ssh-keygen", ["-lf", signers.sshFile.alice]);
    assert.equal(printed.split(" ")[1], key.fingerprint);
    // the comment (alice@example.com) is not carried into the file git reads
    assert.equal(
      allowedSignersLine("alice@example.com", key),
      `alice@example.com namespaces="git" ${key.type} ${key.base64}`,
    );
  } finally {
    await signers.close();
  }
});

Deno.test("what is not one SSH public key is refused, naming the key's entry", () => {
  const ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO/IE1hZsRXfqFABa/wZh004kv3xn/gMopGDJFuIu9dd";
  assert.equal(parseSshPublicKey(ed, "k").fingerprint.startsWith("SHA256:"), true);
  const bad: Array<[string, RegExp]> = [
    ["", /no key/],
    [`${ed}\n${ed}`, /2 lines; give one key/],
    ["-----BEGIN OPENSSH PRIVATE KEY-----", /not an SSH public key type/],
    ["ssh-ed25519 not*base64", /not base64/],
    // an RSA key's data under the ed25519 type (a mix-up, or a cut paste)
    ["ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC", /not base64|does not hold a ssh-ed25519 key/],
    ["ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIO/IE1hZsRXfqFABa/wZh004kv3xn/gMopGDJFuIu9dd", /does not hold a ssh-rsa key/],
  ];
  for (const [text, why] of bad) {
    assert.throws(() => parseSshPublicKey(text, "trust.keys.alice"), (e: Error) => {
      assert.match(e.message, /^Cannot use the SSH key of trust\.keys\.alice: /);
      assert.match(e.message, why);
      return true;
    }, text);
  }
});
