/**
 * The two ways leger puts a set's files where podman's quadlet generator
 * reads them: `native` (`podman quadlet install`, podman 5.6+) and `files`
 * (write them into the quadlet folder, any podman with quadlet). Both sit
 * behind {@linkcode Backend}.
 *
 * @module
 */
import type { CollectedFile } from "../source/collect.ts";
import type { FileRecord } from "../state/manifest.ts";

/** Installs and removes a set's files. Neither reloads systemd: the caller does, once. */
export interface Backend {
  /** Which backend this is. */
  readonly kind: "native" | "files";
  /**
   * Puts the set's files in place. With `previous`, it replaces that
   * installed version: files it had that the new one lacks are removed.
   */
  install(name: string, files: CollectedFile[], previous?: FileRecord[]): Promise<FileRecord[]>;
  /** Removes the files of an installed set. */
  remove(name: string, files: FileRecord[]): Promise<void>;
  /**
   * Where {@linkcode install} puts `file` of set `name` ("" for leger's
   * metadata): what an undo removes when an install was cut short before
   * it said what it wrote.
   */
  pathOf(name: string, file: string): string;
}

/** Files leger keeps to itself and never hands to podman. */
export function isMetaFile(name: string): boolean {
  return name === ".leger.yaml";
}
