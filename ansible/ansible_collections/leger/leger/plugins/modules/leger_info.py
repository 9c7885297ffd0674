#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: leger_info
short_description: Facts about the quadlet sets leger runs on a host
version_added: "0.1.0"
description:
  - Reads C(leger list --json) and C(leger staged --json) on the managed host and returns them as facts under
    C(ansible_facts.leger) - sets with their source, ref, commit, version and state, and the versions staged.
  - With I(check_updates=true) it also fetches every set's source (C(leger stage all)) to report which sets have a
    newer version, then discards what it staged, so the host is left as it was.
author:
  - leger authors
requirements:
  - leger on the managed host
options:
  check_updates:
    description:
      - Fetch every set's source and report the sets whose source has changed.
    type: bool
    default: false
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
  diff_mode:
    support: none
  facts:
    support: full
"""

EXAMPLES = r"""
- name: What runs where
  leger.leger.leger_info:
    check_updates: true

- name: Show the sets with a newer version
  ansible.builtin.debug:
    msg: "{{ ansible_facts.leger.updates | map(attribute='name') | list }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts under the key C(leger).
  returned: always
  type: complex
  contains:
    leger:
      description: What leger runs on this host.
      type: complex
      contains:
        scope:
          description: The scope read (user or system).
          type: str
        sets:
          description: C(leger list --json) - name, state (active, failed, inactive, partial, none), units with their
            states, source, ref, commit, version, backend, updatedAt.
          type: list
          elements: dict
        versions:
          description: Set name to its installed version (C(.leger.yaml) version, else the commit).
          type: dict
        states:
          description: Set name to its state.
          type: dict
        staged:
          description: C(leger staged --json) - versions fetched and kept aside, not applied yet.
          type: list
          elements: dict
        updates:
          description: With I(check_updates=true), the sets whose source has a newer version (name, from, to).
          type: list
          elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.leger.leger.plugins.module_utils.leger import COMMON_ARGS, EXIT_NOT_FOUND, EXIT_OK, Leger, LegerFailure


def main():
    argument_spec = dict(check_updates=dict(type="bool", default=False))
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    leger = Leger(module)
    try:
        sets = leger.list()
        staged = leger.staged()
        facts = dict(
            scope=leger.scope,
            sets=sets,
            versions=dict((s["name"], s.get("version") or s.get("commit")) for s in sets),
            states=dict((s["name"], s.get("state")) for s in sets),
            staged=staged,
        )
        if module.params["check_updates"]:
            already = set(r["name"] for r in staged)
            results = leger.run(["stage", "all"])[1]["sets"]
            facts["updates"] = [
                dict(name=r["name"], to=r.get("to"), **{"from": r.get("from")}) for r in results or [] if r.get("changed")
            ]
            # Leave the host as it was: drop what this task staged.
            for r in results or []:
                if r["name"] not in already:
                    leger.run(["discard", r["name"]], ok=(EXIT_OK, EXIT_NOT_FOUND))
    except LegerFailure as failure:
        module.fail_json(msg=failure.message, commands=leger.commands, **failure.result())
    module.exit_json(changed=False, ansible_facts=dict(leger=facts), commands=leger.commands)


if __name__ == "__main__":
    main()
