# -*- coding: utf-8 -*-
# Runs the leger installed on the managed host and reads its --json output.
# Nothing here parses leger's text: results come from stdout as JSON, errors
# as {"version": 1, "error": {"message", "hint", "exitCode", "details"}} with
# the exit code. Every document carries the "version" of its schema
# (docs/schemas/ of leger); a version newer than the one this collection
# reads is refused rather than misread.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# Exit codes, as leger's README documents them.
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INVALID = 3
EXIT_LOCKED = 4
EXIT_NOT_FOUND = 5
EXIT_NOT_READY = 6
EXIT_ROLLED_BACK = 7

# The --json schema versions this collection reads (leger bumps one only on an incompatible change).
KNOWN_VERSION = 1

COMMON_ARGS = dict(
    scope=dict(type="str", choices=["user", "system"]),
    backend=dict(type="str", choices=["auto", "native", "files"]),
    executable=dict(type="str", default="leger"),
)


class LegerFailure(Exception):
    """leger ended with a non-zero exit code; carries its JSON error."""

    def __init__(self, args, rc, error, stderr):
        self.argv = args
        self.rc = rc
        self.error = error or {}
        self.stderr = stderr
        message = self.error.get("message") or (stderr.strip().splitlines() or ["leger failed"])[-1]
        Exception.__init__(self, message)

    @property
    def message(self):
        return str(self)

    @property
    def rolled_back(self):
        return self.rc == EXIT_ROLLED_BACK

    def result(self):
        """The fields a failed task returns besides msg."""
        out = dict(rc=self.rc, leger_error=self.error, cmd=self.argv)
        if self.error.get("hint"):
            out["hint"] = self.error["hint"]
        if self.rolled_back:
            out["rolled_back"] = True
        return out


class Leger:
    """The leger command on this host, with the module's scope and backend."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.executable = params.get("executable") or "leger"
        scope = params.get("scope")
        if not scope:
            scope = "system" if os.geteuid() == 0 else "user"
        self.scope = scope
        self.backend = params.get("backend")
        self.commands = []

    def argv(self, args):
        path = self.module.get_bin_path(self.executable, required=False) or self.executable
        base = [path, "--json", "--yes", "--scope", self.scope]
        if self.backend:
            base += ["--backend", self.backend]
        return base + list(args)

    def run(self, args, ok=(EXIT_OK,)):
        """Runs leger; returns (rc, data). Raises LegerFailure unless rc is in ok."""
        argv = self.argv(args)
        self.commands.append(argv)
        env = {"LANG": "C.UTF-8", "NO_COLOR": "1"}
        if self.scope == "user" and "XDG_RUNTIME_DIR" not in os.environ:
            env["XDG_RUNTIME_DIR"] = "/run/user/%d" % os.getuid()
        rc, stdout, stderr = self.module.run_command(argv, environ_update=env)
        data = None
        text = stdout.strip()
        if text:
            try:
                data = json.loads(text)
            except ValueError:
                raise LegerFailure(argv, rc if rc else 1, {"message": "leger printed no JSON: %s" % text[-500:]}, stderr)
        version = data.get("version") if isinstance(data, dict) else None
        if text and (not isinstance(version, int) or version > KNOWN_VERSION):
            raise LegerFailure(
                argv,
                rc if rc else 1,
                {
                    "message": "leger printed --json output of version %r; this collection reads version %d"
                    % (version, KNOWN_VERSION),
                    "hint": "Use the leger.leger collection that comes with this leger.",
                },
                stderr,
            )
        if rc in ok:
            return rc, data
        error = data.get("error") if isinstance(data, dict) else None
        raise LegerFailure(argv, rc, error, stderr)

    def fail(self, failure, prefix="", **extra):
        result = failure.result()
        result.update(extra)
        self.module.fail_json(msg=prefix + failure.message, **result)

    # Commands, each returning leger's JSON.

    def inspect(self, name):
        """The installed set's details, or None when no set has that name."""
        rc, data = self.run(["inspect", name], ok=(EXIT_OK, EXIT_NOT_FOUND))
        return data["set"] if rc == EXIT_OK else None

    def list(self):
        return self.run(["list"])[1]["sets"]

    def staged(self):
        return self.run(["staged"])[1]["sets"]


def body(data):
    """A result without its schema version (the task's own fields)."""
    return dict((k, v) for k, v in (data or {}).items() if k != "version")


def version_text(point):
    """A {commit, version} pair as leger shows it."""
    point = point or {}
    parts = []
    if point.get("version"):
        parts.append("version %s" % point["version"])
    if point.get("commit"):
        parts.append(point["commit"][:12])
    return " ".join(parts) or "(local files)"


def diff_text(d):
    """leger's unified diff and summary, built from `leger diff --json`."""
    out = ["%s: %s -> %s" % (d.get("name"), version_text(d.get("from")), version_text(d.get("to"))), ""]
    for f in d.get("files", []):
        out.extend(f.get("diff", "").rstrip("\n").split("\n"))
    s = d.get("summary") or {}
    units = s.get("units") or {}
    lines = ["  NEW RISK %s" % r for r in s.get("risksAdded", [])]
    if s.get("risksRemoved"):
        lines.append("  risks gone: %s" % ", ".join(s["risksRemoved"]))
    for image in s.get("images", []):
        lines.append("  image %s: %s -> %s" % (image.get("file"), image.get("from") or "(none)", image.get("to") or "(none)"))
    for label, key, source in (
        ("ports added", "portsAdded", s),
        ("ports removed", "portsRemoved", s),
        ("environment added", "envAdded", s),
        ("environment removed", "envRemoved", s),
        ("environment changed", "envChanged", s),
        ("secrets added", "secretsAdded", s),
        ("secrets removed", "secretsRemoved", s),
        ("volumes added", "volumesAdded", s),
        ("volumes removed (data is kept)", "volumesRemoved", s),
        ("units to restart", "restart", units),
        ("units to start", "start", units),
        ("units to stop", "stop", units),
    ):
        if source.get(key):
            lines.append("  %s: %s" % (label, ", ".join(source[key])))
    out.extend(["", "Summary:"] + (lines or ["  no change to images, ports, environment, secrets, volumes or units"]))
    if d.get("drift"):
        out.extend(["", "Installed files changed by hand (apply refuses without force; they would be overwritten):"])
        out.extend("  %s: %s" % (x.get("name"), x.get("change")) for x in d["drift"])
    return "\n".join(out) + "\n"
