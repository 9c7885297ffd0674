/**
 * What a fetch from Git hands the signature check (lib/trust/): where the
 * objects are and which ones the ref named.
 *
 * @module
 */

/** The commit (and tag) a fetch brought into leger's git cache. */
export interface SignedObject {
  /** The cache's bare repository that holds the objects. */
  gitDir: string;
  /** The commit the set's files come from. */
  commit: string;
  /**
   * Set when the ref fetched is a tag: its name, and the tag object's id
   * when it is an annotated tag (a lightweight tag has none).
   */
  tag?: { name: string; object?: string };
}
