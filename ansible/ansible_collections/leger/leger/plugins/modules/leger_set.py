#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: leger_set
short_description: Install, update or remove a quadlet set with leger
version_added: "0.1.0"
description:
  - Drives the C(leger) command installed on the managed host through its C(--json) output.
  - C(state=present) installs the set when it is missing; when it is installed and I(ref) names another ref than the
    installed one, the set is updated to that ref (stage, diff, apply).
  - C(state=latest) stages the newest commit of the set's source (or of I(ref)) and applies it when it differs from
    what is installed.
  - An update backs the set up first; when the new version's units do not come up, leger puts the previous version
    back (files and volume data) and this task fails with leger's rollback message and C(rolled_back=true).
    With C(serial) and a C(max_fail_percentage) of 0, a play therefore stops at the first host that rolled back.
  - In check mode the module asks leger for the write-nothing preview (C(leger stage NAME --dry-run), the same as
    C(leger update --dry-run)); it fetches and checks the new version and diffs it against the installed one, and
    stages, discards and writes nothing, so a version the leger daemon staged for review stays as it was; with
    C(--diff) the diff (unified diff per file and leger's summary, new risks first) is shown per host.
  - A second run with the same arguments reports C(changed=false).
  - I(policy) and the I(policy_*) options set the host's override of the set's unattended-update policy (what the
    leger daemon does with new versions) through C(leger policy set), which edits C(updates.sets.NAME) of leger's
    config atomically under leger's lock. Parts not given stay as they are; an empty string drops that part of the
    override, so the set's own C(.leger.yaml) applies again. A second run with the same values reports
    C(changed=false); check mode reports the change without writing it.
author:
  - leger authors
requirements:
  - leger on the managed host (on PATH, or I(executable))
options:
  name:
    description:
      - Name of the set on the host (the name C(leger list) shows).
    type: str
    required: true
  source:
    description:
      - Where the set comes from, as C(leger install) takes it, for example
        C(https://git.example.com/ops/sets.git#main:apps/web) or a forge tree URL or a folder on the host.
      - Needed to install a set that is not installed yet. When the set is installed from another source the task
        fails unless I(force=true), which installs it again from this source.
    type: str
  ref:
    description:
      - Branch, tag or commit to install or update to, instead of the one in I(source) (or the installed one).
    type: str
  state:
    description:
      - C(present) installs when missing (and moves to I(ref) when it differs), C(latest) also applies the newest
        version of the source, C(absent) removes the set.
    type: str
    choices: [present, latest, absent]
    default: present
  scope:
    description:
      - C(user) (rootless, the user the task runs as) or C(system) (root, C(/etc)).
      - Default C(system) when the task runs as root, else C(user).
    type: str
    choices: [user, system]
  backend:
    description:
      - Overrides the C(backend) of leger's config (C(native) = podman quadlet, C(files) = quadlet folder).
    type: str
    choices: [auto, native, files]
  health_timeout:
    description:
      - How long the units may take to come up before leger rolls back, for example C(45s).
    type: str
  force:
    description:
      - Go ahead despite validation warnings and hand edits of installed files; replace a set installed from another
        source. Validation errors always refuse.
    type: bool
    default: false
  backup:
    description:
      - Back up the set (with volume data) before an update. Without it, files still roll back but volume data does not.
    type: bool
    default: true
  purge_volumes:
    description:
      - With C(state=absent), also delete the set's podman volumes (their data is lost).
    type: bool
    default: false
  policy:
    description:
      - The set's unattended-update policy on this host, C(off), C(notify) (the daemon stages a new version and
        reports it) or C(apply) (it stages and applies it with backup, health gate and rollback).
      - Overrides the set's own C(.leger.yaml) (the host owner wins). An empty string drops the host's override.
      - Ignored with C(state=absent) (the host's config keeps it).
    type: str
    choices: ["", "off", "notify", "apply"]
  policy_follow:
    description:
      - What the daemon follows, C(branch) (the branch the set was installed from) or C(tag:PATTERN), the newest tag
        matching the pattern in semantic-version order, for example C(tag:v1.*).
    type: str
  policy_interval:
    description:
      - How often the daemon looks for a new version of this set, for example C(15m) (default the config's
        C(updates.interval), with 10% jitter).
    type: str
  policy_window:
    description:
      - Apply only inside this maintenance window, in systemd calendar syntax, for example C(Sun *-*-* 03:00..05:00).
        Outside it a new version is staged and waits.
    type: str
  executable:
    description:
      - The leger command on the managed host.
    type: str
    default: leger
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - Runs C(leger --json); no text output of leger is parsed.
  - leger's exit code 7 (rolled back) fails the task with C(rolled_back=true).
"""

EXAMPLES = r"""
- name: Web set on every host, from the main branch
  leger.leger.leger_set:
    name: web
    source: https://git.example.com/ops/sets.git#main:apps/web
    state: present

- name: Rolling update to the newest commit, one host at a time
  hosts: web
  serial: 1
  max_fail_percentage: 0
  tasks:
    - leger.leger.leger_set:
        name: web
        state: latest
        health_timeout: 60s

- name: Move to a release tag
  leger.leger.leger_set:
    name: web
    ref: v2.1.0

- name: Web follows v1 tags, applied unattended on Sunday nights by the leger daemon
  leger.leger.leger_set:
    name: web
    source: https://git.example.com/ops/sets.git#main:apps/web
    policy: apply
    policy_follow: "tag:v1.*"
    policy_window: "Sun *-*-* 03:00..05:00"

- name: Only report new versions of web on this host (drop the window again)
  leger.leger.leger_set:
    name: web
    policy: notify
    policy_window: ""

- name: Remove it and its volumes
  leger.leger.leger_set:
    name: web
    state: absent
    purge_volumes: true
"""

RETURN = r"""
outcome:
  description: What was done (or, in check mode, would be done).
  returned: always
  type: str
  sample: updated
  choices: [none, installed, updated, removed]
set:
  description: The set as C(leger inspect --json) reports it after the task (null when absent).
  returned: always
  type: dict
from:
  description: Installed version before the task (commit and C(.leger.yaml) version).
  returned: when the set was installed before
  type: dict
  sample: {"commit": "3f0c2e...", "version": "1.4.0"}
to:
  description: Version after the task (or the staged one in check mode).
  returned: when changed
  type: dict
leger_diff:
  description: C(leger diff --json) of the update (files with unified diffs, summary, hand edits).
  returned: when an installed set changes version
  type: dict
apply:
  description: C(leger apply --json) result (outcome, backup id, units restarted).
  returned: when an update was applied
  type: dict
rolled_back:
  description: True when the new version failed leger's health gate and the previous one was put back.
  returned: on failure
  type: bool
hint:
  description: What leger says to do about a failure.
  returned: on failure, when leger gives one
  type: str
leger_error:
  description: leger's JSON error (message, hint, exitCode, details such as the failed units).
  returned: on failure
  type: dict
policy:
  description: C(leger policy set --json) of the set (effective policy, the host's override before and after, changed).
  returned: when a policy option is given and the state is not absent
  type: dict
  sample: {"name": "web", "policy": "apply", "follow": "branch", "override": {"policy": "apply"}, "changed": true}
commands:
  description: The leger command lines the task ran.
  returned: always
  type: list
  elements: list
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.leger.leger.plugins.module_utils.leger import (
    COMMON_ARGS,
    EXIT_NOT_FOUND,
    EXIT_OK,
    Leger,
    LegerFailure,
    body,
    diff_text,
    version_text,
)


def point(details):
    source = (details or {}).get("manifest", {}).get("source", {})
    out = {}
    if details and details.get("commit"):
        out["commit"] = details["commit"]
    elif source.get("commit"):
        out["commit"] = source["commit"]
    if details and details.get("version"):
        out["version"] = details["version"]
    return out


def installed_ref(details):
    source = details.get("manifest", {}).get("source", {})
    return details.get("ref") if details.get("ref") is not None else source.get("ref")


def installed_source(details):
    return details.get("source") or details.get("manifest", {}).get("source", {}).get("input")


def policy_text(override):
    return "".join("%s: %s\n" % (k, v) for k, v in sorted((override or {}).items()))


class SetTask:
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.leger = Leger(module)
        self.result = dict(changed=False, outcome="none")

    def exit(self, details):
        if self.p["state"] != "absent":
            self.set_policy()
        self.result["set"] = details
        self.result["commands"] = self.leger.commands
        self.module.exit_json(**self.result)

    def run(self):
        name = self.p["name"]
        try:
            details = self.leger.inspect(name)
            if details:
                self.result["from"] = point(details)
            state = self.p["state"]
            if state == "absent":
                return self.absent(name, details)
            if details is None:
                return self.install(name)
            if self.p["source"] and self.p["source"] != installed_source(details):
                if not self.p["force"]:
                    self.module.fail_json(
                        msg="Cannot manage set %s: it is installed from %s, not %s"
                        % (name, installed_source(details), self.p["source"]),
                        hint="Set force: true to install it again from the new source, or remove it first.",
                        commands=self.leger.commands,
                    )
                return self.install(name, replace=True)
            ref = self.p["ref"]
            if state == "latest" or (ref is not None and ref != installed_ref(details)):
                return self.update(name, details)
            return self.exit(details)
        except LegerFailure as failure:
            prefix = ("leger rolled back %s: " % name) if failure.rolled_back else ""
            self.result.update(failure.result())
            self.result["commands"] = self.leger.commands
            self.module.fail_json(msg=prefix + failure.message, **dict((k, v) for k, v in self.result.items() if k != "changed"))

    def set_policy(self):
        options = (("policy", "--policy"), ("policy_follow", "--follow"), ("policy_interval", "--interval"),
                   ("policy_window", "--window"))
        args = []
        for param, flag in options:
            value = self.p[param]
            if value is None:
                continue
            args += ["--no-" + flag[2:]] if value == "" else [flag, value]
        if not args:
            return
        args = ["policy", "set", self.p["name"]] + args
        if self.module.check_mode:
            args.append("--dry-run")
        _, change = self.leger.run(args)
        self.result["policy"] = body(change)
        if change and change.get("changed"):
            self.result["changed"] = True
            if self.module._diff:
                diff = dict(
                    before_header="%s policy override (before)" % self.p["name"],
                    after_header="%s policy override (after)" % self.p["name"],
                    before=policy_text(change.get("before")),
                    after=policy_text(change.get("override")),
                )
                previous = self.result.get("diff")
                self.result["diff"] = ([previous] if previous else []) + [diff]

    def absent(self, name, details):
        if details is None:
            return self.exit(None)
        self.result.update(changed=True, outcome="removed")
        if self.module._diff:
            self.result["diff"] = dict(before="%s installed (%s)\n" % (name, version_text(point(details))), after="")
        if self.module.check_mode:
            return self.exit(details)
        args = ["remove", name] + (["--purge-volumes"] if self.p["purge_volumes"] else [])
        _, removed = self.leger.run(args)
        self.result["removed"] = body(removed)
        return self.exit(None)

    def install(self, name, replace=False):
        source = self.p["source"]
        if not source:
            self.module.fail_json(
                msg="Cannot install set %s: it is not installed and no source is given" % name,
                hint="Add source: (a Git URL, forge tree URL or folder), as leger install takes it.",
            )
        args = ["install", source, "--name", name]
        if self.p["ref"]:
            args += ["--ref", self.p["ref"]]
        if self.p["health_timeout"]:
            args += ["--health-timeout", self.p["health_timeout"]]
        if replace:
            args.append("--replace")
        if self.p["force"]:
            args.append("--accept-warnings")
        if self.module.check_mode:
            args.append("--dry-run")
        _, installed = self.leger.run(args)
        manifest = installed.get("manifest", {})
        to = {}
        if manifest.get("source", {}).get("commit"):
            to["commit"] = manifest["source"]["commit"]
        if manifest.get("version"):
            to["version"] = manifest["version"]
        self.result.update(changed=True, outcome="installed", to=to, install=body(installed))
        if self.module._diff:
            units = ", ".join(manifest.get("units", []))
            self.result["diff"] = dict(
                before="" if not replace else "%s installed from another source\n" % name,
                after="%s installed from %s at %s; units: %s\n" % (name, source, version_text(to), units),
            )
        if self.module.check_mode:
            return self.exit(None)
        return self.exit(self.leger.inspect(name))

    def update(self, name, details):
        args = ["stage", name]
        if self.p["ref"]:
            args += ["--ref", self.p["ref"]]
        if self.p["force"]:
            args.append("--accept-warnings")
        if self.module.check_mode:
            # The write-nothing preview: stage, discard or any write here would overwrite, then delete, a version
            # the daemon staged for review.
            _, preview = self.leger.run(args + ["--dry-run"])
            row = next((r for r in preview["sets"] if r.get("name") == name), None)
            if not row or not row.get("changed"):
                return self.exit(details)
            self.result["to"] = row.get("to", {})
            diff = row.get("diff") or {}
            self.result["leger_diff"] = diff
            self.result.update(changed=True, outcome="updated")
            if self.module._diff:
                self.result["diff"] = dict(prepared=diff_text(diff))
            return self.exit(details)
        _, staged = self.leger.run(args)
        row = next((r for r in staged["sets"] if r.get("name") == name), None)
        if not row or not row.get("changed"):
            # nothing new: leger keeps nothing staged (discard answers 5), or drop what it kept
            self.leger.run(["discard", name], ok=(EXIT_OK, EXIT_NOT_FOUND))
            return self.exit(details)
        self.result["to"] = row.get("to", {})
        _, diff = self.leger.run(["diff", name])
        self.result["leger_diff"] = body(diff)
        self.result.update(changed=True, outcome="updated")
        if self.module._diff:
            self.result["diff"] = dict(prepared=diff_text(diff))
        args = ["apply", name]
        if not self.p["backup"]:
            args.append("--no-backup")
        if self.p["health_timeout"]:
            args += ["--health-timeout", self.p["health_timeout"]]
        if self.p["force"]:
            args += ["--accept-warnings", "--overwrite-edits"]
        _, applied = self.leger.run(args)
        self.result["apply"] = applied["sets"]
        return self.exit(self.leger.inspect(name))


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        source=dict(type="str"),
        ref=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "latest", "absent"]),
        health_timeout=dict(type="str"),
        force=dict(type="bool", default=False),
        backup=dict(type="bool", default=True),
        purge_volumes=dict(type="bool", default=False),
        policy=dict(type="str", choices=["", "off", "notify", "apply"]),
        policy_follow=dict(type="str"),
        policy_interval=dict(type="str"),
        policy_window=dict(type="str"),
    )
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    SetTask(module).run()


if __name__ == "__main__":
    main()
