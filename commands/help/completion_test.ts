/**
 * Completions and the man page come from the command tree: every command
 * and every flag appears in each of them, and the bash script completes
 * as a user would see it.
 */
import assert from "node:assert/strict";
import { needs } from "../../tests/helpers/tools.ts";
import { buildProgram } from "../../main.ts";
import { bashCompletion, fishCompletion, zshCompletion } from "./completion.ts";
import { visibleOptions, walkCommands } from "./help.ts";
import { manPage } from "./manpage.ts";

const program = await buildProgram({ env: {} });
const nodes = walkCommands(program);
const outputs = {
  bash: bashCompletion(program),
  zsh: zshCompletion(program),
  fish: fishCompletion(program),
  man: manPage(program),
};

Deno.test("every command and every flag appears in the bash, zsh and fish completions and in leger.1", () => {
  let flags = 0;
  for (const [kind, text] of Object.entries(outputs)) {
    const plain = kind === "man" ? text.replaceAll("\\-", "-").replace(/\\f[BIR]/g, "") : text;
    for (const { path, cmd } of nodes.slice(1)) {
      const name = kind === "man" ? `leger ${path} ` : cmd.name();
      assert.ok(plain.includes(name), `${kind}: no command "${path}"`);
      for (const o of visibleOptions(cmd)) {
        for (const f of [o.long, o.short].filter(Boolean) as string[]) {
          const word = kind === "fish" ? (f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`) : f;
          assert.ok(plain.includes(word), `${kind}: no ${f} of "${path}"`);
          flags++;
        }
      }
    }
    for (const o of visibleOptions(program)) {
      const f = o.long!;
      assert.ok(plain.includes(kind === "fish" ? `-l ${f.slice(2)}` : f), `${kind}: no global ${f}`);
    }
  }
  assert.ok(flags > 4 * 30, `only ${flags} flags checked`);
});

async function bashComplete(words: string[]): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/leger.bash`, outputs.bash);
  const script = `source ${dir}/leger.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${
    words.length - 1
  }; _leger; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = await new Deno.Command("bash", { args: ["-c", script], stdout: "piped" }).output();
  await Deno.remove(dir, { recursive: true });
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

Deno.test("bash completes commands, subcommands, flags and flag values", async () => {
  assert.deepEqual(await bashComplete(["leger", "ins"]), ["install", "inspect"]);
  assert.deepEqual(await bashComplete(["leger", "daemon", "in"]), ["install"]);
  assert.deepEqual(await bashComplete(["leger", "--scope", "sy"]), ["system"]);
  assert.deepEqual(await bashComplete(["leger", "validate", "--s"]), ["--sarif", "--strict", "--scope"]);
  assert.deepEqual(await bashComplete(["leger", "completion", "f"]), []); // an argument: files, none match here
});

for (const [shell, text] of [["zsh", outputs.zsh], ["fish", outputs.fish]] as const) {
  const name = `the ${shell} completion is valid ${shell}`;
  Deno.test({ name, ...needs(name, shell) }, async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/leger.${shell}`, text);
    const out = await new Deno.Command(shell, { args: ["-n", `${dir}/leger.${shell}`], stderr: "piped" }).output();
    await Deno.remove(dir, { recursive: true });
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  });
}

Deno.test("leger.1 has every section and no text line that roff would read as a request", () => {
  for (const section of ["NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "EXIT STATUS", "FILES"]) {
    assert.match(outputs.man, new RegExp(`^\\.SH ${section}$`, "m"));
  }
  assert.doesNotMatch(outputs.man, /^[.'](?!TH|SH|SS|TP|PP|B |nf|fi)/m, "a text line starts with a dot");
});
