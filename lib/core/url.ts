/**
 * File URLs for dynamic imports.
 *
 * @module
 */
import { pathToFileURL } from "node:url";

/** An absolute path as a `file://` URL string. */
export function toFileUrl(path: string): string {
  return pathToFileURL(path).href;
}
