/**
 * The man page leger.1, generated from the command tree and the prose of
 * text.ts (`leger manpage > leger.1`; the RPM build does this).
 *
 * @module
 */
import type { Command, Option } from "commander";
import denoJson from "../../deno.json" with { type: "json" };
import { HELP } from "./text.ts";
import { visibleOptions, walkCommands } from "./help.ts";

/** Escapes text for roff: backslashes, hyphens, and a leading dot or quote. */
export function roff(text: string): string {
  return text.replaceAll("\\", "\\e").replaceAll("-", "\\-").replace(/^([.'])/gm, "\\&$1");
}

function optionEntry(o: Option): string {
  const flags = o.flags.split(/,\s*/).map((f) => {
    const [flag, arg] = f.split(" ");
    return `\\fB${roff(flag!)}\\fR${arg ? ` \\fI${roff(arg)}\\fR` : ""}`;
  }).join(", ");
  const choices = o.argChoices ? ` (${o.argChoices.join(", ")})` : "";
  return `.TP\n${flags}\n${roff(o.description + choices)}`;
}

function usage(cmd: Command, path: string): string {
  const args = cmd.registeredArguments.map((a) => {
    const name = a.name() + (a.variadic ? "..." : "");
    return a.required ? `<${name}>` : `[${name}]`;
  });
  return ["leger", ...(path ? [path] : []), "[options]", ...args].join(" ");
}

function paragraphs(lines: string[]): string {
  return lines.map((l) => (l.startsWith("  ") ? `.nf\n${roff(l)}\n.fi` : `.PP\n${roff(l)}`)).join("\n");
}

/** The whole man page as roff. */
export function manPage(program: Command, date = new Date().toISOString().slice(0, 10)): string {
  const nodes = walkCommands(program);
  const root = HELP[""]!;
  const out = [
    `.TH LEGER 1 "${date}" "leger ${denoJson.version}" "User Commands"`,
    ".SH NAME",
    "leger \\- run containers as Podman Quadlets: install, update, back up, validate, keep secrets in sync",
    ".SH SYNOPSIS",
    ".B leger",
    "[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]",
    ".SH DESCRIPTION",
    roff(root.description),
    ".SH GLOBAL OPTIONS",
    ...visibleOptions(program).map(optionEntry),
    ".SH COMMANDS",
  ];
  for (const { path, cmd } of nodes.slice(1)) {
    const prose = HELP[path];
    out.push(`.SS "${roff(usage(cmd, path))}"`);
    out.push(roff(prose?.description ?? cmd.summary() ?? ""));
    if (cmd.registeredArguments.length) {
      out.push(
        ".PP\nArguments:",
        ...cmd.registeredArguments.map((a) => `.TP\n\\fI${roff(a.name())}\\fR\n${roff(a.description)}`),
      );
    }
    const opts = visibleOptions(cmd);
    if (opts.length) out.push(".PP\nOptions:", ...opts.map(optionEntry));
    if (prose) {
      out.push(".PP\nExamples:", ...prose.examples.map(([line, what]) => `.TP\n\\fB${roff(line)}\\fR\n${roff(what)}`));
      if (prose.notes?.length) out.push(paragraphs(prose.notes));
    }
  }
  out.push(
    ".SH EXIT STATUS",
    roff(
      "0 ok, 1 failure, 2 usage, 3 invalid set (validation errors), 4 locked by another run, 5 not found, 6 host not ready (see leger doctor), 7 update or restore rolled back, 78 configuration error (config.yaml).",
    ),
    ".SH ENVIRONMENT",
    ...[
      ["NO_COLOR", "no colour in any output"],
      ["SETEC_SERVER", "the Setec server, when config.yaml names none"],
      [
        "LEGER_STATE_DIR, LEGER_CONFIG_DIR, LEGER_CACHE_DIR, LEGER_QUADLET_DIR, LEGER_RUNTIME_DIR",
        "move leger's folders",
      ],
    ].map(([k, v]) => `.TP\n\\fB${roff(k!)}\\fR\n${roff(v!)}`),
    ".SH FILES",
    ...[
      ["~/.config/leger/config.yaml, /etc/leger/config.yaml", "configuration (user, system scope)"],
      ["~/.local/share/leger, /var/lib/leger", "state: installed sets, staged versions, backups, the secret cache"],
      ["~/.config/leger/workflows", "your workflows; one named like a built-in overrides it"],
    ].map(([k, v]) => `.TP\n\\fI${roff(k!)}\\fR\n${roff(v!)}`),
    ".SH SEE ALSO",
    "\\fBpodman-systemd.unit\\fR(5), \\fBpodman-quadlet\\fR(1), \\fBsystemd.service\\fR(5), \\fBjournalctl\\fR(1)",
    "",
  );
  return out.join("\n");
}
