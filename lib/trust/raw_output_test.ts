import assert from "node:assert/strict";
import { readOpenPgpOutput, readSshOutput } from "./raw_output.ts";

// Transcripts of `git verify-commit --raw` (stderr) on the sid test host: git 2.55.0, gpg 2.4.9, OpenSSH 10.6.
const FPR = "CA13A66786FEB83AF3FEBDC9B30B96CDF0D9BAEA";
const OLD = "99922D487DB1D43C5389EC4F217A740170706243";
const GOOD = `[GNUPG:] NEWSIG release@example.com
[GNUPG:] KEY_CONSIDERED ${FPR} 0
[GNUPG:] SIG_ID +fVyl77MQilKVdz7UUeTFInJLx0 2026-12-06 1796576932
[GNUPG:] GOODSIG B30B96CDF0D9BAEA Release <release@example.com>
[GNUPG:] VALIDSIG ${FPR} 2026-12-06 1796576932 0 4 0 22 10 00 ${FPR}
`;
const EXPIRED_KEY = `[GNUPG:] NEWSIG old@example.com
[GNUPG:] KEY_CONSIDERED ${OLD} 0
[GNUPG:] KEYEXPIRED 1796576935
[GNUPG:] SIG_ID V9VwxqgjvhBK8BnNcneEbWQ5nG8 2026-12-06 1796576932
[GNUPG:] EXPKEYSIG 217A740170706243 Old <old@example.com>
[GNUPG:] VALIDSIG ${OLD} 2026-12-06 1796576932 0 4 0 22 10 00 ${OLD}
`;

Deno.test("OpenPGP: good, bad, unknown key, and an expired key that git 2.55 passes with exit 0", () => {
  assert.deepEqual(readOpenPgpOutput(GOOD, 0), { good: true, key: FPR });
  // git 2.55 exits 0 here (2.39 exits 1): the status line decides
  assert.deepEqual(readOpenPgpOutput(EXPIRED_KEY, 0), { good: false, key: OLD, problem: "the key has expired" });
  assert.match(
    readOpenPgpOutput(
      `[GNUPG:] NEWSIG release@example.com\n[GNUPG:] BADSIG B30B96CDF0D9BAEA Release <release@example.com>\n[GNUPG:] FAILURE gpg-exit 33554433\n`,
      1,
    ).problem!,
    /bad signature/,
  );
  assert.deepEqual(
    readOpenPgpOutput(
      `[GNUPG:] NEWSIG release@example.com\n[GNUPG:] ERRSIG B30B96CDF0D9BAEA 22 10 00 1796576932 9 ${FPR}\n[GNUPG:] NO_PUBKEY B30B96CDF0D9BAEA\n`,
      1,
    ),
    { good: false, key: FPR, problem: "signed by a key the policy does not allow" },
  );
  // a good line with a failing exit is not good
  assert.equal(readOpenPgpOutput(GOOD, 1).good, false);
  assert.equal(readOpenPgpOutput(GOOD + GOOD, 0).problem, "more than one signature");
  assert.deepEqual(readOpenPgpOutput("error: cannot run gpg: No such file or directory\n", 1).missingProgram, "gpg");
});

Deno.test("SSH: 'Good' with a principal is good; 'Good' without one is a key that is not allowed", () => {
  const fp = "SHA256:MWRNfr63341he+F/GgVDqeNMmb6eqfphpJStZc6oxHA";
  assert.deepEqual(readSshOutput(`Good "git" signature for alice@example.com with ED25519 key ${fp}\n`, 0), {
    good: true,
    principal: "alice@example.com",
    key: fp,
  });
  assert.deepEqual(
    readSshOutput(`Good "git" signature with ED25519 key ${fp}\nNo principal matched.\n`, 1),
    { good: false, key: fp, problem: "signed by a key the policy does not allow" },
  );
  assert.match(
    readSshOutput("Could not verify signature.\nSignature verification failed: incorrect signature\n", 1).problem!,
    /bad signature/,
  );
  assert.match(
    readSshOutput(
      `Good "git" signature with ED25519 key ${fp}\n/x:1: key has expired: verify time 2026-12-06T17:04:48 > valid-before 2020-01-01T00:00:00\nNo principal matched.\n`,
      1,
    ).problem!,
    /does not allow/,
  );
  assert.equal(readSshOutput(`Good "git" signature for a with ED25519 key ${fp}\n`, 1).good, false);
  assert.equal(
    readSshOutput("error: cannot run ssh-keygen: No such file or directory\n", 1).missingProgram,
    "ssh-keygen",
  );
});
