/**
 * The generator's own error paths for one unit: required keys, keys that
 * exclude each other, `[Service]` settings it refuses, and keys a
 * container inside a pod may not set.
 *
 * @module
 */
import type { DiagnosticSink } from "../diagnostic.ts";
import { entriesOf, lastEntry, listEntries, type UnitEntry } from "../parse.ts";
import { type LoadedUnit, lookup } from "../set.ts";
import { gate, type PodmanTarget } from "../target.ts";
import { splitWords } from "../split.ts";

const URL_RE = /^((https?)|(git):\/\/)|(github\.com\/).+$/;

function strv(unit: LoadedUnit, section: string, key: string): string[] {
  return listEntries(unit.merged, section, key).flatMap((e) => splitWords(e.value, "strv").words);
}

/** Checks what the generator requires of a unit and what it refuses. */
export function checkRequired(unit: LoadedUnit, target: PodmanTarget, sink: DiagnosticSink): void {
  const m = unit.merged;
  const sec = unit.section;
  const header = unit.own.sections.find((s) => s.name === sec);
  const missing = (code: string, message: string, fix: string) =>
    sink.add({
      file: header?.file ?? unit.file,
      line: header?.line ?? 1,
      column: 1,
      severity: "error",
      code,
      message,
      fix,
    });
  const at = (e: UnitEntry | undefined, code: string, message: string, fix?: string) =>
    e ? sink.at(e, "error", code, message, fix) : missing(code, message, fix ?? "");

  if (unit.kind === "container" || unit.kind === "kube") {
    const kill = lookup(m, "Service", "KillMode");
    if (kill !== undefined && kill !== "mixed" && kill !== "control-group") {
      at(
        lastEntry(m, "Service", "KillMode"),
        "service/kill-mode",
        `invalid KillMode '${kill}'`,
        "use KillMode=mixed (the default) or control-group",
      );
    }
    const type = lookup(m, "Service", "Type");
    if (type !== undefined && type !== "notify" && type !== "oneshot") {
      at(
        lastEntry(m, "Service", "Type"),
        "service/type",
        `invalid service Type '${type}'`,
        "use Type=notify (the default) or oneshot",
      );
    }
  }
  if (unit.kind === "container" || unit.kind === "kube" || unit.kind === "pod") checkMappings(unit, sink, at);

  switch (unit.kind) {
    case "container": {
      const image = lookup(m, sec, "Image") ?? "";
      const rootfs = lookup(m, sec, "Rootfs") ?? "";
      if (image === "" && rootfs === "") {
        missing("required/image", "no Image or Rootfs key specified in [Container]", "add Image=registry/name:tag");
      } else if (image !== "" && rootfs !== "") {
        at(
          lastEntry(m, sec, "Rootfs"),
          "conflict/image-rootfs",
          "Image= and Rootfs= cannot be used together",
          "keep one of them",
        );
      }
      const reloadCmd = (lastEntry(m, sec, "ReloadCmd")?.value ?? "") !== "";
      const reloadSignal = (lookup(m, sec, "ReloadSignal") ?? "") !== "";
      if (reloadCmd && reloadSignal) {
        at(
          lastEntry(m, sec, "ReloadSignal"),
          "conflict/reload",
          "ReloadCmd and ReloadSignal are mutually exclusive but both are set",
          "keep one of them",
        );
      }
      if ((lookup(m, sec, "User") ?? "") === "" && (lookup(m, sec, "Group") ?? "") !== "") {
        at(lastEntry(m, sec, "Group"), "required/user", "Group= is set without User=", "add User=, or remove Group=");
      }
      for (const e of listEntries(m, sec, "Network")) {
        const [name, ...opts] = e.value.split(":");
        if (name!.endsWith(".container") && opts.length > 0) {
          sink.at(
            e,
            "error",
            "ref/network-options",
            "extra options are not supported when joining another container's network",
            `write Network=${name}`,
            true,
          );
        }
      }
      const pod = lookup(m, sec, "Pod") ?? "";
      if (pod !== "") {
        if (!pod.endsWith(".pod")) {
          at(
            lastEntry(m, sec, "Pod"),
            "ref/pod-not-quadlet",
            `pod ${pod} is not Quadlet based`,
            `name the .pod file: Pod=${pod}.pod`,
          );
        }
        for (const key of ["PublishPort", "Network"]) {
          for (const e of listEntries(m, sec, key)) {
            sink.at(
              e,
              "error",
              "pod/container-key",
              `${key}= cannot be set on a container that joins pod ${pod}; podman refuses to start it`,
              `move ${key}= to the [Pod] section of ${pod}`,
            );
          }
        }
      }
      break;
    }
    case "kube": {
      const yamls = strv(unit, sec, "Yaml");
      if (yamls.length === 0) missing("required/yaml", "no Yaml key specified in [Kube]", "add Yaml=FILE.yaml");
      const swd = lookup(m, sec, "SetWorkingDirectory") ?? "";
      const swdEntry = lastEntry(m, sec, "SetWorkingDirectory");
      if (swd !== "") {
        const v = swd.toLowerCase();
        if (v === "yaml" && yamls.length > 1) {
          at(
            swdEntry,
            "conflict/working-directory",
            "SetWorkingDirectory=yaml is only supported when a single Yaml key is provided",
          );
        } else if (v !== "yaml" && v !== "unit") {
          at(
            swdEntry,
            "value/working-directory",
            `SetWorkingDirectory=${swd} is not supported in .kube files`,
            "use yaml or unit",
          );
        }
      }
      break;
    }
    case "network": {
      const subnets = listEntries(m, sec, "Subnet").length;
      const gateways = listEntries(m, sec, "Gateway");
      const ranges = listEntries(m, sec, "IPRange");
      if (subnets > 0) {
        if (gateways.length > subnets) {
          at(
            gateways[subnets],
            "conflict/gateway",
            "cannot set more gateways than subnets",
            "add a Subnet= per Gateway=",
          );
        }
        if (ranges.length > subnets) {
          at(ranges[subnets], "conflict/ip-range", "cannot set more ranges than subnets", "add a Subnet= per IPRange=");
        }
      } else if (gateways.length > 0 || ranges.length > 0) {
        at(gateways[0] ?? ranges[0], "required/subnet", "cannot set gateway or range without subnet", "add Subnet=");
      }
      break;
    }
    case "volume": {
      const driver = lookup(m, sec, "Driver");
      if (driver === "image") {
        if (lastEntry(m, sec, "Image") === undefined) {
          at(
            lastEntry(m, sec, "Driver"),
            "required/image",
            "the key Image is mandatory when using the image driver",
            "add Image=",
          );
        }
        break;
      }
      const device = (lookup(m, sec, "Device") ?? "") !== "";
      if ((lookup(m, sec, "Type") ?? "") !== "" && !device) {
        at(
          lastEntry(m, sec, "Type"),
          "required/device",
          "key Type can't be used without Device",
          "add Device=, or remove the key",
        );
      }
      // Podman 6.0 passes Options= on without a Device=; older generators refuse it.
      const g = (lookup(m, sec, "Options") ?? "") !== "" && !device ? gate(target, { since: "6.0" }) : undefined;
      const options = lastEntry(m, sec, "Options");
      if (g && options) {
        sink.at(
          options,
          g.severity,
          "required/device",
          g.severity === "error" && (target.from === "host" || target.from === "flag")
            ? "key Options can't be used without Device"
            : `key Options can't be used without Device before podman 6.0 (${g.about})`,
          g.declare || "add Device=, or remove the key",
        );
      }
      break;
    }
    case "image":
      if ((lookup(m, sec, "Image") ?? "") === "") {
        missing("required/image", "no Image key specified in [Image]", "add Image=registry/name:tag");
      }
      break;
    case "artifact":
      if ((lookup(m, sec, "Artifact") ?? "") === "") {
        missing("required/artifact", "no Artifact key specified in [Artifact]", "add Artifact=registry/name:tag");
      }
      break;
    case "build":
      checkBuild(unit, sink, missing, at);
      break;
  }
}

type At = (e: UnitEntry | undefined, code: string, message: string, fix?: string) => void;
type Missing = (code: string, message: string, fix: string) => void;

function checkBuild(unit: LoadedUnit, _sink: DiagnosticSink, missing: Missing, at: At): void {
  const m = unit.merged;
  const sec = unit.section;
  if ((listEntries(m, sec, "ImageTag")[0]?.value ?? "") === "") {
    missing("required/image-tag", "no ImageTag key specified in [Build]", "add ImageTag=localhost/NAME");
  }
  const swd = lookup(m, sec, "SetWorkingDirectory") ?? "";
  const swdEntry = lastEntry(m, sec, "SetWorkingDirectory");
  const file = lookup(m, sec, "File") ?? "";
  const userWd = (lookup(m, "Service", "WorkingDirectory") ?? "") !== "";
  let context = "";
  let setsWd = false;
  switch (swd.toLowerCase()) {
    case "":
      break;
    case "yaml":
      return at(
        swdEntry,
        "value/working-directory",
        "SetWorkingDirectory=yaml is only supported in .kube files",
        "use unit, file, a path or a URL",
      );
    case "file":
      if (lastEntry(m, sec, "File") === undefined) {
        return at(swdEntry, "required/file", "no File key specified", "add File=Containerfile");
      }
      setsWd = file !== "";
      break;
    case "unit":
      setsWd = true;
      break;
    default:
      context = swd;
  }
  const wd = userWd || setsWd;
  if (!wd && file === "" && context === "") {
    missing(
      "required/build-context",
      "neither SetWorkingDirectory, nor File key specified in [Build]",
      "add File=Containerfile and SetWorkingDirectory=unit",
    );
    return;
  }
  if (file !== "" && context === "" && !/^%[^%]/.test(file) && !file.startsWith("/") && !URL_RE.test(file) && !wd) {
    at(
      lastEntry(m, sec, "File"),
      "required/working-directory",
      "relative path in File key requires SetWorkingDirectory key to be set",
      "add SetWorkingDirectory=unit",
    );
  }
}

function checkMappings(unit: LoadedUnit, sink: DiagnosticSink, at: At): void {
  const m = unit.merged;
  const sec = unit.section;
  const has = (k: string) => (lookup(m, sec, k) ?? "") !== "";
  const defined = has("UserNS") || strv(unit, sec, "UIDMap").length > 0 || strv(unit, sec, "GIDMap").length > 0 ||
    has("SubUIDMap") || has("SubGIDMap");
  const remap = ["RemapUid", "RemapGid", "RemapUsers"].map((k) => lastEntry(m, sec, k)).find((e) => e);
  if (defined) {
    if (remap) {
      at(
        remap,
        "conflict/remap",
        "deprecated Remap keys are set along with explicit mapping keys",
        "remove the Remap* keys",
      );
    }
    return;
  }
  const mode = lastEntry(m, sec, "RemapUsers")?.value ?? "";
  const uids = strv(unit, sec, "RemapUid");
  const gids = strv(unit, sec, "RemapGid");
  if (mode === "") {
    if (uids.length > 0) {
      at(
        entriesOf(m, sec, "RemapUid")[0],
        "required/remap-users",
        "UidMap set without RemapUsers",
        "add RemapUsers=, or better UserNS=",
      );
    } else if (gids.length > 0) {
      at(
        entriesOf(m, sec, "RemapGid")[0],
        "required/remap-users",
        "GidMap set without RemapUsers",
        "add RemapUsers=, or better UserNS=",
      );
    }
  } else if (mode === "manual" && unit.kind === "kube") {
    at(lastEntry(m, sec, "RemapUsers"), "value/remap-users", "RemapUsers=manual is not supported", "use UserNS=");
  } else if (mode === "keep-id" && (uids.length > 1 || gids.length > 1)) {
    at(
      lastEntry(m, sec, "RemapUsers"),
      "value/remap-users",
      "RemapUsers=keep-id supports only a single UID and GID mapping",
      "keep one RemapUid= and one RemapGid=",
    );
  }
  void sink;
}
