/**
 * The `--help` prose of one group of commands (commands/help/text.ts
 * gathers the groups). Installed sets: install, list, adopt, export, inspect, status, logs, start, stop, restart, remove.
 *
 * @module
 */
import { type HelpProse, TRUST } from "./prose.ts";

const SOURCES = [
  "SOURCE is one of:",
  "  https://github.com/ORG/REPO/tree/REF/PATH     GitHub (GitLab: .../-/tree/REF/PATH, Gitea/Forgejo: .../src/branch/REF/PATH)",
  "  https://host/repo.git#REF:PATH                any git URL, with an optional ref and folder",
  "  git@host:repo.git#REF:PATH, ssh://..., file:///srv/repo#REF:PATH",
  "  ./folder                                      a local folder",
  "Self-hosted forges are declared in config.yaml, e.g. forges: { git.example.com: gitea }.",
];

/** Each command's prose, keyed by its path. */
export const SETS_HELP: Record<string, HelpProse> = {
  install: {
    description:
      "Fetch a quadlet set, check it as podman will read it, install it through podman and start its units. If a unit does not come up, leger shows it with its journal lines and removes what it had installed.",
    examples: [
      ["leger install https://github.com/org/quadlets/tree/main/web", "install the web folder of org/quadlets at main"],
      ["leger install git@git.example.com:me/sets.git#v2:db --name db", "a tag of a private repository, by SSH"],
      ["leger install ./my-set --dry-run", "check a local folder and show what would happen"],
      ["leger install web", "the set named web in the catalogs (see leger search)"],
      ["leger install leger/app-db", "the set app-db of the catalog named leger, when two catalogs offer one"],
      [
        "leger install https://git.example.com/ops/fleet.git",
        "a fleet repository: the sets leger-hosts.yaml gives this host",
      ],
      [
        "leger install https://git.example.com/ops/sets.git#main:web --allow-unsigned",
        "a commit config.yaml's trust rule refuses, taken anyway (recorded as not verified)",
      ],
    ],
    notes: [
      ...SOURCES,
      "  NAME, CATALOG/NAME                            a set the catalogs offer (leger search lists them); a folder of that name here wins",
      TRUST,
      "A repository with leger-hosts.yaml at the top (or in the named folder) is a fleet: leger installs the sets that file assigns to this host, by host name (host-name: in the config, else the system's) or label (labels: in the config); --replace and --accept-warnings apply to each of them (--replace installs again the ones already there). To have the leger daemon follow it unattended, name it in config.yaml (fleet: { source: URL, ref: main }); see leger daemon --help.",
      'This command runs the "install" workflow; change what it does with: leger workflow eject install',
    ],
  },
  list: {
    description:
      "List the installed sets of this scope: their state (active, partly active, failed), units, version, commit and source.",
    examples: [
      ["leger list", "your sets"],
      ["sudo leger --scope system list --json", "root's sets, as JSON"],
      ["leger list --all", "also the quadlets no set owns (written by hand, or installed with podman), grouped"],
    ],
    notes: [
      "--all groups the quadlets no set owns as podman does: a podman 6 application folder, a podman 5.6-5.8 application (its .NAME.app file), else a unit with the quadlets it reaches through Volume=, Network=, Pod=, Image= and [Unit] Requires=/After=/Wants= and a template with its instances. Each group's name is the set name leger adopt gives it.",
    ],
  },
  adopt: {
    description:
      'Bring quadlets this host already runs under leger, without stopping or restarting anything: each group leger list --all shows becomes a set with source "adopted". The files stay byte for byte where they are; their checksums are recorded and leger keeps a copy, with drop-in folders and the env files and other files the units name beside them. From then on leger status, logs, backup, restore, validate, check-conflicts and remove treat it as any other set; the next install, update or restore moves its files into leger\'s layout.',
    examples: [
      ["leger adopt web --dry-run", "the group web: its files and units; nothing changes"],
      ["leger adopt web.container", "adopt the group that holds web.container"],
      ["sudo leger --scope system adopt nextcloud", "root's quadlets in /etc/containers/systemd"],
    ],
    notes: [
      "leger list --all shows the groups and their names first.",
      "Refused, with nothing changed: a file or unit a set owns already (adopting twice among them), a group named like an installed set, a file that cannot be read (gone while adopting); and system scope without root, as every command in that scope.",
      "An adopted set has no source, so leger stage and update pass it by. To give it one: leger export NAME DIR, commit DIR to Git, then leger install SOURCE --name NAME --replace, which stages the new version against what runs and applies it as an update (backup first, only changed units restarted, health gate, rollback).",
    ],
  },
  export: {
    description:
      "Write an installed or adopted set out as a folder ready to commit: its unit files, drop-ins and other files as leger keeps them, and a .leger.yaml with its name, description, version and the Podman secrets its units use (a set's own .leger.yaml is written as it is).",
    examples: [
      ["leger export web ./web-set", "then: cd web-set && git init && git add . && git commit -m web"],
      ["leger export web ./web-set --overwrite --json", "write over an existing folder; report as JSON"],
    ],
    notes: [
      "Then leger install SOURCE --name NAME --replace (SOURCE the Git repository, or the folder itself) replaces an adopted set through stage and apply: the new version is diffed against what runs, a backup is taken, only changed units restart, and a unit that does not come up rolls everything back.",
    ],
  },
  inspect: {
    description:
      "Show everything leger knows about an installed set: source and commit, whether the commit's signature was verified and by which key, version, units and their states, files, volumes, secrets, published ports and files changed by hand since the install. For a set that is not installed (a source as leger install takes it, or a name in the catalogs), fetch it and check it without touching the host, and show what installing it would bring: files, units and their kinds, images, published ports (and installed sets already publishing them), volumes and bind mounts, the secrets it needs (and whether podman and Setec have them), how its units depend on each other, the validation verdict, and the units install would start.",
    examples: [
      ["leger inspect web", "the whole record of the set web"],
      ["leger inspect web --json", "as JSON"],
      [
        "leger inspect app-db --catalog https://github.com/leger-dev/leger/tree/main/examples",
        "look at a catalog's set before installing it",
      ],
      ["leger inspect https://git.example.com/ops/quadlets.git#main:web", "look at any source before installing it"],
    ],
  },
  status: {
    description:
      "Show an installed set's units and their states, where it came from (and whether its commit was verified, by which key), its unattended updates (commits the trust rule refused among them), and which files were changed by hand since the install.",
    examples: [["leger status web", "is web running, and was it edited by hand?"]],
  },
  logs: {
    description: "Show the journal lines of all units of a set, oldest first.",
    examples: [["leger logs web", "the last 50 lines"], ["leger logs web -f -n 0", "follow new lines only"]],
  },
  start: {
    description: "Start every unit of an installed set, in dependency order, and show their states.",
    examples: [["leger start web", "start the set web"]],
  },
  stop: {
    description: "Stop every unit of an installed set and show their states. The files stay installed.",
    examples: [["leger stop web", "stop the set web"]],
  },
  restart: {
    description: "Restart every unit of an installed set and show their states.",
    examples: [["leger restart web", "restart the set web"]],
  },
  remove: {
    description:
      "Stop the set's units, remove its files and reload systemd. Volumes (your data) stay unless --purge-volumes.",
    examples: [
      ["leger remove web", "remove the set, keep its volumes"],
      ["leger remove web --purge-volumes --yes", "remove it with its data, without asking"],
    ],
  },
};
