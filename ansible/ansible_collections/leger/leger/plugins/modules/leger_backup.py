#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: leger_backup
short_description: Back up, list and restore quadlet sets with leger
version_added: "0.1.0"
description:
  - Drives C(leger backup), C(leger backups) and C(leger restore) on the managed host through their C(--json) output.
  - C(command=create) backs up a set (or C(all)) with its files, manifest and podman volume data.
  - C(command=list) returns the backups, newest first; it never changes anything.
  - C(command=restore) verifies the backup's checksums, backs up the current state, and puts the backup's files and
    volume data back. When the units do not come up, leger restores the state before the restore and the task fails
    with leger's message and C(rolled_back=true).
author:
  - leger authors
requirements:
  - leger on the managed host
options:
  command:
    description:
      - What to do.
    type: str
    choices: [create, list, restore]
    default: create
  name:
    description:
      - The set. C(all) with C(command=create) backs up every set; leave it out with C(command=list) to list every set's
        backups.
    type: str
  id:
    description:
      - With C(command=restore), the backup to restore (an id from C(command=list)); the newest when left out.
    type: str
  live:
    description:
      - With C(command=create), keep the units running (the copy may be inconsistent).
    type: bool
    default: false
  stop:
    description:
      - With C(command=create), where the volumes sit on storage that clones (btrfs, xfs with reflink), stop the units
        for the reflink copy instead of freezing them (C(systemctl freeze)), for the copy of a clean shutdown.
    type: bool
    default: false
  reason:
    description:
      - With C(command=create), a note kept with the backup.
    type: str
  health_timeout:
    description:
      - With C(command=restore), how long the units may take to come up, for example C(45s).
    type: str
  scope:
    description:
      - C(user) or C(system); default C(system) when the task runs as root, else C(user).
    type: str
    choices: [user, system]
  backend:
    description:
      - Overrides the C(backend) of leger's config.
    type: str
    choices: [auto, native, files]
  executable:
    description:
      - The leger command on the managed host.
    type: str
    default: leger
attributes:
  check_mode:
    support: full
    details: C(create) and C(restore) report C(changed=true) and run nothing; C(list) runs.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Back up every set before maintenance
  leger.leger.leger_backup:
    name: all
    reason: before OS upgrade

- name: List web's backups
  leger.leger.leger_backup:
    command: list
    name: web
  register: backups

- name: Restore the newest backup of web
  leger.leger.leger_backup:
    command: restore
    name: web
"""

RETURN = r"""
backups:
  description: The backups made (create) or found (list), as C(leger backups --json) gives them (id, name, reason,
    createdAt, commit, setVersion, sizeBytes, volumes, dir).
  returned: with create and list
  type: list
  elements: dict
restore:
  description: C(leger restore --json) result (the backup restored, the before-restore backup, the units' health).
  returned: with restore
  type: dict
rolled_back:
  description: True when the restored units did not come up and the state before the restore was put back.
  returned: on failure
  type: bool
leger_error:
  description: leger's JSON error.
  returned: on failure
  type: dict
commands:
  description: The leger command lines the task ran.
  returned: always
  type: list
  elements: list
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.leger.leger.plugins.module_utils.leger import COMMON_ARGS, Leger, LegerFailure, body


def main():
    argument_spec = dict(
        command=dict(type="str", default="create", choices=["create", "list", "restore"]),
        name=dict(type="str"),
        id=dict(type="str"),
        live=dict(type="bool", default=False),
        stop=dict(type="bool", default=False),
        reason=dict(type="str"),
        health_timeout=dict(type="str"),
    )
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("command", "create", ["name"]), ("command", "restore", ["name"])],
    )
    p = module.params
    leger = Leger(module)
    result = dict(changed=False)
    try:
        if p["command"] == "list":
            _, backups = leger.run(["backups"] + ([p["name"]] if p["name"] else []))
            result["backups"] = backups["backups"]
        elif p["command"] == "create":
            result["changed"] = True
            if not module.check_mode:
                args = ["backup", p["name"]]
                if p["live"]:
                    args.append("--live")
                if p["stop"]:
                    args.append("--stop")
                if p["reason"]:
                    args += ["--reason", p["reason"]]
                _, made = leger.run(args)
                result["backups"] = made["backups"]
        else:
            result["changed"] = True
            if not module.check_mode:
                args = ["restore", p["name"]] + ([p["id"]] if p["id"] else [])
                if p["health_timeout"]:
                    args += ["--health-timeout", p["health_timeout"]]
                _, restored = leger.run(args)
                result["restore"] = body(restored)
    except LegerFailure as failure:
        prefix = ("leger rolled back the restore of %s: " % p["name"]) if failure.rolled_back else ""
        module.fail_json(msg=prefix + failure.message, commands=leger.commands, **failure.result())
    result["commands"] = leger.commands
    module.exit_json(**result)


if __name__ == "__main__":
    main()
