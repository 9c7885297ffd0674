/**
 * `leger import compose --json`: what the import mapped, warned about and
 * wrote, with the Compose file's lines.
 *
 * @module
 */
import { z } from "zod";
import { versionField } from "./parts.ts";

/** One thing the import says about a Compose key. */
export const ComposeFindingJson = z.strictObject({
  severity: z.enum(["error", "warning", "info"]).describe(
    "error: nothing was written; warning: written without it (refused with --strict); info: how it was mapped",
  ),
  file: z.string().describe("the Compose file or env file, as named"),
  line: z.number().int().min(1),
  key: z.string().describe("dotted Compose key, e.g. services.web.deploy.replicas"),
  message: z.string(),
  fix: z.string().optional().describe("what to do, e.g. the PodmanArgs= line that would do it"),
});

/** `leger import compose --json`. */
export const ImportComposeJson = z.strictObject({
  version: versionField(1),
  ok: z.boolean().describe("no error (and with --strict no warning)"),
  written: z.boolean().describe("the set folder was written (false with errors or --dry-run)"),
  file: z.string().describe("the Compose file read"),
  project: z.string().describe("the Compose project name"),
  name: z.string().describe("the set's name"),
  out: z.string().describe("the set folder"),
  podman: z.strictObject({
    target: z.string().describe("podman version the set was written for (major.minor)"),
    needs: z.string().describe("oldest podman the written keys need; .leger.yaml says podman: >=needs"),
  }),
  services: z.array(z.strictObject({ name: z.string(), unit: z.string() })),
  leftOut: z.array(z.strictObject({ name: z.string(), profiles: z.array(z.string()) })).describe(
    "services whose profiles were not chosen",
  ),
  files: z.array(z.string()).describe("files of the set"),
  todo: z.array(z.string()).describe("commands to run before installing (podman secrets, bind-mounted folders)"),
  errors: z.number().int().min(0),
  warnings: z.number().int().min(0),
  findings: z.array(ComposeFindingJson),
  mapped: z.array(z.strictObject({
    key: z.string(),
    line: z.number().int().min(1),
    to: z.array(z.string()).describe("the quadlet lines it became, as FILE: Key=value"),
  })),
});
