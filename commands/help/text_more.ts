/**
 * The `--help` prose of one group of commands (commands/help/text.ts
 * gathers the groups). Sets from elsewhere and the shell: import compose, search (available), completion.
 *
 * @module
 */
import type { HelpProse } from "./prose.ts";

/** Each command's prose, keyed by its path. */
export const MORE_HELP: Record<string, HelpProse> = {
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
