/**
 * The `--help` prose of one group of commands (commands/help/text.ts
 * gathers the groups). Secrets from Setec and the daemon that keeps them in sync: secrets status|sync, daemon install|status.
 *
 * @module
 */
import { SETEC_CAPABILITY } from "../../lib/secrets/setec_errors.ts";
import type { HelpProse } from "./prose.ts";

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

/** Each command's prose, keyed by its path. */
export const SECRETS_HELP: Record<string, HelpProse> = {
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
};
