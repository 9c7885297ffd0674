/**
 * The prose of `--help`: each command's description, examples and notes,
 * keyed by its path ("" is leger itself, "daemon install" a subcommand).
 * Commands keep their flags and one-line summaries; the words that teach
 * live here, in one place, so that `--help`, the man page and the tests
 * read the same text. Paragraphs are single lines: the help printer wraps
 * them to the terminal. Lines that start with two spaces are kept as they
 * are (tables, YAML, commands).
 *
 * @module
 */
import { SETEC_CAPABILITY } from "../lib/secrets/setec_errors.ts";

/** The teaching part of one command's help. */
export interface HelpProse {
  /** What the command does, in full sentences. */
  description: string;
  /** `[command line, what it does]`, at least one. */
  examples: [string, string][];
  /** More paragraphs shown after the examples. */
  notes?: string[];
}

const SOURCES = [
  "SOURCE is one of:",
  "  https://github.com/ORG/REPO/tree/REF/PATH     GitHub (GitLab: .../-/tree/REF/PATH, Gitea/Forgejo: .../src/branch/REF/PATH)",
  "  https://host/repo.git#REF:PATH                any git URL, with an optional ref and folder",
  "  git@host:repo.git#REF:PATH, ssh://..., file:///srv/repo#REF:PATH",
  "  ./folder                                      a local folder",
  "Self-hosted forges are declared in config.yaml, e.g. forges: { git.example.com: gitea }.",
];

const SETEC = [
  "Where secrets come from: a set declares them in its .leger.yaml, and leger fetches them from Tailscale's Setec server named in config.yaml (~/.config/leger/config.yaml, or /etc/leger/config.yaml with --scope system) or in the environment variable SETEC_SERVER:",
  "  # .leger.yaml                          # config.yaml",
  "  secrets:                               daemon:",
  "    - name: leger/web/api-key              setec-server: https://secrets.TAILNET.ts.net",
  "      podman-secret: web-api-key           poll-interval: 1h",
  "The server must be https:// and named by its MagicDNS name, the name its certificate covers (plain http only for a test server on 127.0.0.1); daemon.setec-ca-file (or SETEC_CA_FILE) adds a CA to trust.",
  "The quadlets use the Podman secret (Secret=web-api-key,type=env,target=API_KEY). No token is needed: Setec knows this host by its Tailscale identity, and the tailnet policy file must grant it the action get on those names:",
  `  "grants": [{ "src": ["tag:server"], "dst": ["tag:setec"],`,
  `              "app": { "${SETEC_CAPABILITY}": [{ "action": ["get"], "secret": ["leger/*"] }] } }]`,
  "The leger daemon (leger daemon install --now) polls Setec and restarts the running units of a rotated secret (try-restart: stopped units stay stopped), waiting while another leger run holds the scope lock; without it, leger secrets sync does one sync here.",
  "When Setec cannot be reached, cuts the TLS handshake short (a restart) or answers 500 unable to identify caller (tailscaled restarting), it is asked again a few times and then the value cached by leger is used, with a warning; a certificate it refuses, a 403 and a 404 are errors. A poll asks only whether the version changed; every daemon.verify-interval (1h by default) each value is fetched in full and compared, so a secret deleted and put again with the same version numbers is noticed within that time.",
  "Values never appear in output, logs or argv.",
];

const TRUST =
  "With a trust rule in config.yaml (trust:, e.g. default: { verify: signed }), only a commit signed by a key it names is installed, staged or applied (for a ref that is a tag: the annotated tag, signed); anything else is refused with exit code 8 and changes nothing. --allow-unsigned takes it anyway, recorded as not verified (leger status shows it).";

const EXIT_CODES =
  "Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid set, 4 locked, 5 not found, 6 host not ready (see leger doctor), 7 rolled back, 8 not signed by a key the trust rule allows (nothing changed), 78 configuration error, 141 stdout closed by its reader (leger diff web | head; nothing is printed).";

/** Every command's prose. A command missing here fails the help test. */
export const HELP: Record<string, HelpProse> = {
  "": {
    description:
      "Run containers as Podman Quadlets: install sets from Git, update them safely, back them up with their volumes, validate them, and keep their secrets in sync.",
    examples: [
      ["leger install https://github.com/org/quadlets/tree/main/web", "install a set from a forge and start it"],
      ["leger install ./my-set --name web --scope system", "install a local folder as root, under another name"],
      ["leger list", "sets and the state of their units"],
      ["leger logs web -f", "follow the journal of a set"],
    ],
    notes: [EXIT_CODES],
  },
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
  stage: {
    description:
      "Fetch the set's source again (or at --ref), validate it, and keep it in the staging area. Nothing on the host changes. Sets from one repository are fetched once. A new version that asks more of the host than the installed one (new risk findings) is called out. With --dry-run nothing is kept: the diff is shown (and given with --json), as update --dry-run does.",
    examples: [
      ["leger stage all", "look for new versions of every set"],
      ["leger stage web --ref v2.1.0", "stage a given tag"],
      ["leger stage web --dry-run --json", "what a new version would change, staging nothing (Ansible's check mode)"],
      ["leger stage web --allow-unsigned", "stage a commit the trust rule refuses; leger apply needs the flag too"],
    ],
    notes: [TRUST],
  },
  staged: {
    description: "List the staged versions: which set, from which version to which, and when it was staged.",
    examples: [["leger staged", "what leger apply would apply"]],
  },
  diff: {
    description:
      "Show what applying the staged version of a set would change: a unified diff of every file, and a summary of images, ports, environment, secrets and volumes changed and which units would restart, start or stop. The summary names at most six items per kind and counts the rest (… and 19,994 more); --json lists every one. A file whose every line changed is diffed with a cost bound, as GNU diff does, so the diff stays fast and correct though not always the shortest.",
    examples: [
      ["leger diff web", "review the staged update of web"],
      ["leger diff web | less -R", "page a long diff"],
      ["leger diff web --json", "every changed key, port and unit, for a script"],
    ],
  },
  apply: {
    description:
      "Apply staged versions: pull the images the new version needs and the host lacks (while the old version still runs; as each unit's Pull= or Policy= says, never for never), back up the set with its volume data, install the new files, restart only the units whose files changed, and check their health. A pull that fails stops the apply before anything stops. If the units do not come up, the previous files and volume data are put back (exit code 7).",
    examples: [
      ["leger apply web", "apply the staged version of web"],
      ["leger apply all --dry-run", "show what would restart, change nothing"],
    ],
    notes: [
      "The staged version's signature check must still stand under the trust rule in force (config.yaml may have changed since it was staged): signed by a key the rule allows, or --allow-unsigned.",
    ],
  },
  discard: {
    description: "Drop a staged version (or all of them); the installed set is not touched.",
    examples: [["leger discard web", "forget the staged version of web"], ["leger discard all", "forget all"]],
  },
  update: {
    description:
      'Stage the named sets (or all), show each diff, ask, and apply: the "update" workflow. Without a terminal it needs --yes.',
    examples: [
      ["leger update", "update every set, asking for each"],
      ["leger update web --yes", "update web without asking (for scripts)"],
      ["leger update --dry-run", "stage and show the diffs only"],
    ],
    notes: [TRUST, "Change what it does with: leger workflow eject update"],
  },
  policy: {
    description:
      "Each set has an unattended-update policy that the leger daemon follows: off, notify (stage a new version and report it) or apply (stage it and apply it with the usual backup, health gate and rollback), what to follow (the branch the set was installed from, or the newest tag matching a pattern), how often to look, and an optional maintenance window. The set's author gives a default in its .leger.yaml (updates:); the host owner overrides it per set in config.yaml (updates.sets.NAME), which these commands read and edit.",
    examples: [
      ["leger policy show", "every set's policy and where each part comes from"],
      [
        "leger policy set web --policy apply --window 'Sun *-*-* 03:00..05:00'",
        "apply new versions of web on Sunday nights",
      ],
      ["leger policy reset web", "back to web's own .leger.yaml"],
    ],
    notes: [
      "Layers, lowest first: updates.default in config.yaml, updates: in the set's .leger.yaml, updates.sets.NAME in config.yaml. The daemon reads config.yaml again at every cycle: no restart is needed.",
    ],
  },
  "policy show": {
    description:
      "Show the policy each installed set (and each set config.yaml names) follows on this host: policy, what it follows, interval, window, the host's override and the layers it was merged from.",
    examples: [["leger policy show", "every set"], ["leger policy show web --json", "one set, as JSON"]],
  },
  "policy set": {
    description:
      "Override parts of a set's policy on this host. config.yaml is edited in place (comments and other keys stay), checked whole, and written atomically while holding the scope lock; parts not named stay as they were. A --no- form drops that part of the override, so the set's own .leger.yaml applies again. The set need not be installed yet (a set a fleet repository will assign, for example). With --json the answer says whether anything changed (changed: false when the override already was so).",
    examples: [
      ["leger policy set web --policy notify", "stage new versions of web and report them; apply by hand"],
      ["leger policy set web --policy apply --follow 'tag:v1.*' --interval 15m", "apply the newest v1 tag"],
      ["leger policy set web --no-window --dry-run --json", "would dropping the window change anything?"],
    ],
    notes: [
      "Windows are systemd calendar expressions read as the minutes they match, plus a clock span such as 03:00..05:00 (see systemd.time(7)).",
    ],
  },
  "policy reset": {
    description:
      "Drop the host's whole override of a set's policy (updates.sets.NAME in config.yaml); the set's .leger.yaml and updates.default apply again.",
    examples: [["leger policy reset web", "web follows its own .leger.yaml again"]],
  },
  validate: {
    description:
      "Report every problem at once with file, line, column, code and a fix: syntax, keys by podman version, values, references, drop-ins, templates, secrets, and conflicts with installed sets and this host. Where the host has podman's generator, its verdict is folded in.",
    examples: [
      ["leger validate ./my-set", "check a folder against this host"],
      ["leger validate . --no-host --strict --podman-version 5.4", "in CI: no host, warnings fail, podman 5.4's keys"],
      ["leger validate . --no-host --sarif > leger.sarif", "SARIF for code-scanning services"],
    ],
    notes: [
      "A folder with no units of its own whose subfolders are sets is validated set by set, with references between its sets resolved, and a summary per set.",
      "Without a host (--no-host) and without --podman-version, keys are checked against the podman versions the set declares (podman: in .leger.yaml) or the config's podman-versions; with neither, a key some supported podman lacks is a warning naming the version it needs.",
      "Exit codes: 0 no errors (warnings alone pass), 3 errors found (or warnings with --strict).",
      'Every code is explained in docs/VALIDATION.md; --json output has "version": 1 and follows docs/schemas/validate.schema.json.',
    ],
  },
  "check-conflicts": {
    description:
      "Answer who uses a host port or a podman volume among the installed sets, or list what one set clashes with (ports, volumes, container and unit names).",
    examples: [
      ["leger check-conflicts --port 8080", "which set publishes host port 8080?"],
      ["leger check-conflicts --volume web-data", "which sets use the volume web-data?"],
      ["leger check-conflicts web", "what does web clash with?"],
    ],
  },
  doctor: {
    description:
      "Check that this host can run leger (podman and its quadlet generator, the backend it allows, systemd, linger for your user, git, writable folders) and say how to fix what is missing. Exits 1 when a check fails.",
    examples: [["leger doctor", "check your user's setup"], ["sudo leger --scope system doctor", "check root's setup"]],
  },
  run: {
    description:
      "Run a TypeScript workflow: a file whose default export receives { $, leger, podman, systemd, log, args, flags, dryRun, yes, scope, confirm }. A name (e.g. install) finds your copy in the workflow folder first, then the built-in. Arguments after the workflow go to it.",
    examples: [
      ["leger run ./backup-and-notify.ts web --topic homelab", "run a file with arguments"],
      ["leger run update --dry-run", "run the update workflow by name"],
    ],
    notes: ["leger workflow eject NAME copies a built-in workflow into your workflow folder to start from."],
  },
  workflow: {
    description:
      "List the built-in workflows and yours, copy a built-in one into your workflow folder (~/.config/leger/workflows) to change it (your copy then runs instead of the built-in), or write the API's types beside workflows kept elsewhere.",
    examples: [
      ["leger workflow list", "built-in and your workflows"],
      ["leger workflow eject update", "copy update.ts to edit it"],
      ["leger workflow types ./ops", "types for the workflows in ./ops"],
    ],
  },
  "workflow list": {
    description:
      "List the built-in workflows and yours, with their descriptions and which of yours override a built-in.",
    examples: [["leger workflow list", "every workflow"]],
  },
  "workflow eject": {
    description:
      'Copy a built-in workflow into your workflow folder to change it. leger runs your copy from then on; delete it to go back to the built-in. Beside it go the workflow API\'s types (leger.d.ts) and a deno.json that maps "leger" to them, so deno check and editors know the API; a deno.json of your own is left alone.',
    examples: [
      ["leger workflow eject install", "copy install.ts to ~/.config/leger/workflows/"],
      ["leger workflow eject update --force", "overwrite your earlier copy"],
    ],
    notes: [
      "Type-check your copy, offline (Deno reads the deno.json of the folder it runs in, or the one --config names): deno check --config ~/.config/leger/workflows/deno.json ~/.config/leger/workflows/install.ts",
    ],
  },
  "workflow types": {
    description:
      'Write the workflow API\'s types (leger.d.ts) and a deno.json that maps "leger" to them beside a workflow file, or into a folder (your workflow folder when none is named), so that deno check and editors with Deno\'s language server know leger.*, log.*, $ and the rest for workflows kept anywhere, e.g. in a Git repository. leger.d.ts is rewritten each time, so it follows the version of leger in use; a deno.json of your own is left alone (the output says what to add to it). The files matter only to the type checker: nothing is loaded from "leger" when a workflow runs.',
    examples: [
      ["leger workflow types ./ops/notify.ts", "types beside a workflow file of your repository"],
      ["leger workflow types ./ops", "into a folder of workflows"],
      ["leger workflow types", "into your workflow folder (~/.config/leger/workflows)"],
    ],
    notes: ["Then: deno check --config ./ops/deno.json ./ops/notify.ts (or cd ops && deno check notify.ts)."],
  },
  secrets: {
    description:
      "Show the Podman secrets that installed sets declare and that leger fills from Tailscale's Setec server, or sync them now.",
    examples: [["leger secrets status", "each secret's version and age"], [
      "leger secrets sync",
      "fetch from Setec now",
    ]],
    notes: SETEC,
  },
  "secrets status": {
    description:
      "For every declared secret: Podman secret, Setec name, version held, when it was fetched, whether it is stale, and the last error. Asks the running leger daemon; when none answers, reads the local cache (Setec is not asked).",
    examples: [
      ["leger secrets status", "your secrets"],
      ["leger secrets status --json", "as JSON"],
      ["sudo leger --scope system secrets status", "root's secrets"],
    ],
  },
  "secrets sync": {
    description:
      `Fetch the declared secrets from Setec now, update the Podman secrets that changed and restart the running units that use a rotated one (stopped units stay stopped). The running leger daemon does it when there is one; otherwise leger syncs here. Exits 1 when a secret failed. Setec must grant this host ${SETEC_CAPABILITY} action get on each name.`,
    examples: [
      ["leger secrets sync", "sync every declared secret"],
      ["leger secrets sync leger/web/api-key --dry-run", "compare one secret, change nothing"],
      ["SETEC_SERVER=https://secrets.example.ts.net leger secrets sync --json", "name the server for one run"],
    ],
  },
  daemon: {
    description:
      "Run the leger daemon in the foreground: sync the declared secrets from Setec now, then every daemon.poll-interval, restart the units of a rotated secret, and answer leger secrets status and sync on a control socket. It is meant to run under systemd (see leger daemon install) and logs one line per event to stderr, with syslog priorities when stderr is the journal, never a value. It also runs the unattended updater for sets with an update policy (see leger policy), and, when config.yaml has a fleet: block, installs the sets that repository's leger-hosts.yaml assigns to this host. Each cycle (a secrets poll, an update check) runs as a short-lived child that reads config.yaml afresh, so the long-lived process stays small; an edit of config.yaml or a newly installed set is noticed within a minute, and SIGHUP (systemctl reload leger-daemon) runs both cycles at once. An edited config.yaml that does not load is reported by each cycle, which then changes nothing until it is fixed. SIGTERM and SIGINT stop it. A configuration error at start (a set declares a secret but no Setec server is configured, a bad config.yaml) ends it with exit code 78, which its units do not restart.",
    examples: [
      ["leger daemon install --now", "run it for your user, now and at boot"],
      ["sudo leger --scope system daemon install --now", "run it for root's sets"],
      ["leger daemon status", "is it running, and what does it hold?"],
      ["leger daemon", "run it here (Ctrl-C stops it)"],
    ],
    notes: [
      "Unattended updates: the same process follows each set's update policy (leger policy show), asking each repository once per poll (git ls-remote) and fetching only when a followed ref moved.",
      "A fleet: with fleet: { source: URL, ref: main } in config.yaml, the daemon reads that repository's leger-hosts.yaml whenever the repository moves and installs the sets it newly assigns to this host (by host-name: or the system's name, and labels:), through the same checks, lock and health gate as leger install. Sets of that repository it no longer assigns here are reported once and left installed, unless fleet: has remove: true (a file that assigns nothing to this host never removes anything). A set that fails to install is tried again when the repository moves, or at leger update --now.",
      ...SETEC,
    ],
  },
  "daemon install": {
    description:
      "Make systemd run leger daemon: use the packaged unit (/usr/lib/systemd/user or /usr/lib/systemd/system), or write one to ~/.config/systemd/user (/etc/systemd/system with --scope system) that runs this leger binary; then daemon-reload and enable it. For your user, it also checks linger: without it the daemon stops when you log out.",
    examples: [
      ["leger daemon install --now", "enable and start it for your user"],
      ["sudo leger --scope system daemon install --now", "the system unit, for root's sets"],
    ],
  },
  "daemon status": {
    description: "Show whether the daemon runs, its Setec server and poll interval, and each secret it holds.",
    examples: [["leger daemon status", "the daemon and your secrets"]],
  },
  backup: {
    description:
      "Back up the set's files, its manifest and the data of every podman volume it uses. The units that use a volume are stopped for a consistent copy and started again afterwards, even when the backup fails (--live keeps them running); where every volume sits on storage that clones (btrfs, xfs with reflink) they are stopped only while a reflink copy is made, and the archives are made from the copies while the service runs (leger doctor says which path this host's volumes take); when one does not start again, the backup is kept, systemd's words are shown, and the exit code is 1. Bind mounts of host paths are listed but not archived unless --include-binds. Old backups are pruned by backup-retention in the config.",
    examples: [
      ["leger backup web", "back up web with its volume data"],
      ["leger backup all --live --reason nightly", "every set, without stopping anything"],
    ],
    notes: ['This command runs the "backup" workflow; change it with: leger workflow eject backup'],
  },
  "backup prune": {
    description:
      "Remove the backups beyond backup-retention in the config (a count and/or an age). The newest good backup of a set is never removed.",
    examples: [["leger backup prune", "apply the retention to every set"], [
      "leger backup prune --dry-run",
      "say what would go",
    ]],
  },
  backups: {
    description:
      "List the backups of a set (or of all sets), newest first, with the set's version, size, age and reason.",
    examples: [["leger backups web", "backups of web"], ["leger backups --json", "every backup, as JSON"]],
  },
  restore: {
    description:
      "Verify every checksum of the backup (a damaged one is refused before anything changes), back up the current state, stop the units, put the files back, recreate each volume with the backup's exact content, start the units and check their health. If they do not come up, the state before the restore is put back (exit code 7). Without an id, the newest backup. Works for a set that is not installed: copy its backup folder into the backup folder of the new host first. Where the volumes sit on storage that clones (btrfs, xfs with reflink), the current data is not archived first but moved aside (a rename) and kept until the restored set is healthy; it is put back exactly when the restore fails or is interrupted (see leger recover). Afterwards leger restore archives it as the before-restore backup in the background (--previous archive, the default) or removes it (--previous drop).",
    examples: [
      ["leger restore web", "the newest backup of web"],
      ["leger restore web 2026-06-01T12-00-00-000Z", "a given backup (ids from leger backups web)"],
      ["leger restore web --previous drop --yes", "on btrfs: do not keep the data web had before"],
    ],
  },
  recover: {
    description:
      "Every state change is journaled. The next run finishes or undoes an interrupted one by itself; when that fails (podman refused, a backup is gone), the entry stays and blocks only its own set. recover tries again (all sets, or NAME); --abandon stops trying for NAME: it lists what the operation left on the host, asks, then sets the journal entry aside (kept as .abandoned) and changes nothing else. leger doctor lists pending recoveries.",
    examples: [
      ["leger recover", "retry every pending recovery"],
      ["leger recover web", "retry web's"],
      ["leger recover web --abandon --dry-run --json", "what abandoning would leave behind, as JSON"],
      ["leger recover web --abandon --yes", "stop trying; the host stays as it is"],
    ],
  },
  import: {
    description: "Turn another tool's description of services into a quadlet set folder that leger installs as it is.",
    examples: [[
      "leger import compose ./nextcloud",
      "the compose.yaml in ./nextcloud becomes the set folder ./nextcloud-set",
    ]],
  },
  search: {
    description:
      "List the quadlet sets the catalogs offer, one line each: name, catalog, version, whether it is installed here (and whether the catalog has changed it since), and its description (.leger.yaml description:, else its first unit's Description=). TERM matches names, descriptions and images. A catalog is a Git repository (or a folder) whose subfolders are quadlet sets; config.yaml lists them under catalogs: (leger's own examples when it lists none), and --catalog reads one other catalog for one call.",
    examples: [
      ["leger search", "every set the catalogs offer"],
      ["leger search postgres", "the sets whose name, description or image mentions postgres"],
      [
        "leger search --catalog https://git.example.com/ops/quadlets.git#main:sets",
        "what a repository's sets folder offers",
      ],
    ],
    notes: [
      "Catalogs in config.yaml (~/.config/leger/config.yaml, or /etc/leger/config.yaml with --scope system):",
      "  catalogs:",
      "    - url: https://github.com/leger-dev/leger   # as leger install takes it, or a folder",
      "      ref: main                                # optional (default: the remote's HEAD)",
      "      path: examples                           # optional: the folder holding the sets",
      "      name: leger                              # optional: leger install leger/web",
      "A catalog is read through leger's git cache: one git ls-remote each time, and a fetch only when the remote has moved. A catalog that cannot be read is named with the reason, and the others still answer; a set whose files are broken is listed as broken.",
      "leger inspect NAME shows a set a catalog offers without installing it (images, ports, volumes, secrets, the validator's verdict); leger install NAME installs it when NAME is neither a path nor a URL (a folder of that name here wins); a name two catalogs offer is refused with both sources, and CATALOG/NAME picks one. The set's full Git source is what install records, so update, stage and unattended updates follow it as any other source.",
    ],
  },
  available: {
    description: "The same as leger search (the name pq users know).",
    examples: [["leger available", "every set the catalogs offer"]],
  },
  "import compose": {
    description:
      "Read a Compose file as Compose does (the .env beside it or --env-file, ${VAR:-default} and the other forms, YAML anchors and merge keys, profiles) and write one .container per service, .volume and .network units, env files and configs as files of the set, and a .leger.yaml with the podman versions the keys need. Every key that has no quadlet form is reported with its line: a warning when the set still runs as Compose would run it (the import writes it without the key; --strict refuses), an error with the PodmanArgs= line that would do it when leaving it out would change behaviour (nothing is written). The folder is written whole or not at all, and nothing outside it.",
    examples: [
      ["leger import compose ./nextcloud --out ./nextcloud-set", "import, then: leger install ./nextcloud-set"],
      ["leger import compose compose.yaml --profile debug --dry-run", "what would be written with the debug profile"],
      [
        "leger import compose . --setec-prefix leger/wiki --json",
        "declare the file secrets as Setec secrets; report as JSON",
      ],
    ],
    notes: [
      "depends_on: a dependency is Requires= (Wants= when required: false) and After=; service_healthy gives the dependency Notify=healthy (podman 5.0), so its unit counts as started only once healthy; service_completed_successfully makes it a one-shot. restart: always and unless-stopped become Restart=always and start at boot; restart: no (the default) starts only with the set.",
      "Names: units are NAME-SERVICE.container (unit names are shared by every set of a host); podman volumes and networks keep Compose's names (PROJECT_VOLUME), so data a Compose tool left under that name is used. Image short names are read as Docker Hub's, as Compose does. Relative bind mounts become absolute paths in the project folder; a path that climbs out of it is refused.",
      "Secrets: a Compose file secret becomes a podman secret the containers mount under /run/secrets; create it before installing (the report prints the command), or pass --setec-prefix to have it fetched from Setec.",
    ],
  },
  completion: {
    description:
      "Print a shell completion script for leger, generated from its command tree. The RPM installs them; from source, load one in your shell's startup file.",
    examples: [
      ["source <(leger completion bash)", "bash, for this shell"],
      ["leger completion zsh > ~/.zfunc/_leger", "zsh, with ~/.zfunc on fpath"],
      ["leger completion fish > ~/.config/fish/completions/leger.fish", "fish"],
    ],
  },
};
