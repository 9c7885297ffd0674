/**
 * Plain-text transports. `http://` and `git://` carry a repository
 * unauthenticated and unencrypted: anyone on the network path can hand
 * leger other unit files, which then run as root in system scope. An
 * install from one goes ahead with a warning (a person chose the URL and
 * reads it); an unattended update or a fleet install from one is refused
 * unless the host's policy allows it (`allow-insecure-transport: true`).
 * A loopback address is local and stays allowed (the tests' forge).
 *
 * @module
 */
import { LegerError } from "../core/errors.ts";
import type { SourceSpec } from "./spec.ts";

/** The plain-text scheme of a git source that leaves this host ("http", "git"), or undefined. */
export function plainTransport(spec: SourceSpec): "http" | "git" | undefined {
  if (spec.kind !== "git") return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec.url)?.[1]?.toLowerCase();
  if (scheme !== "http" && scheme !== "git") return undefined;
  let host: string;
  try {
    host = new URL(spec.url.replace(/^git:/i, "http:")).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return scheme;
  }
  const loopback = host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
  return loopback ? undefined : scheme;
}

/** The warning an install prints for a plain-text source, or undefined. */
export function plainTransportWarning(spec: SourceSpec): string | undefined {
  const scheme = plainTransport(spec);
  if (!scheme) return undefined;
  return `${spec.input} is fetched over ${scheme}://, unencrypted and unauthenticated: anyone on the network path ` +
    "can change the units leger installs; use https:// or ssh://";
}

/**
 * Refuses (exit 1) a plain-text source for unattended work unless allowed;
 * `what` says which ("update web", "follow the fleet repository").
 */
export function refusePlainTransport(spec: SourceSpec, allowed: boolean, what: string, key: string): void {
  const scheme = plainTransport(spec);
  if (!scheme || allowed) return;
  // The way out goes in the message too: the daemon's records and events keep messages, not hints.
  throw new LegerError(
    `Cannot ${what} unattended: ${spec.input} is fetched over ${scheme}://, which anyone on the network path can ` +
      `change (use https:// or ssh://, or allow it with ${key}: true in config.yaml)`,
    { hint: `Use an https:// or ssh:// URL, or allow it on this host with ${key}: true in config.yaml.` },
  );
}
