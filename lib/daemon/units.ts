/**
 * The sandboxing of the leger-daemon units, kept apart from how a unit is
 * written so that the packaged units (systemd/) and the ones `leger daemon
 * install` writes carry the same lines (a test compares them).
 *
 * @module
 */
import type { Scope } from "../core/paths.ts";

/**
 * Exit code of a configuration error (ExitCode.config, sysexits'
 * EX_CONFIG): listed in RestartPreventExitStatus=, since restarting cannot
 * fix a configuration.
 */
export const CONFIG_EXIT = 78;

/** The lines about restarting, both scopes. */
export const RESTART_LINES = `Restart=on-failure
RestartSec=5s
# A configuration error (exit ${CONFIG_EXIT}: no Setec server, a bad config.yaml) is not
# retried; the journal says what to fix, then: systemctl restart leger-daemon.
RestartPreventExitStatus=${CONFIG_EXIT}`;

/**
 * The system unit's sandbox. The daemon runs \`podman secret create\` and
 * \`systemctl restart\` as root, so it keeps root and the capabilities
 * podman's storage needs, and may write only its own folders and
 * podman's; everything else is read-only or hidden.
 */
export const SYSTEM_HARDENING = `# Sandbox (systemd-analyze security leger-daemon.service): read-only system,
# writable only where leger and root podman keep state, and the quadlet
# folder (unattended updates and fleet installs write it). Root podman needs
# CAP_SYS_ADMIN and mount(2) (without them it takes itself for rootless, and
# its overlay storage makes its folder a private mount), seen on podman 5.8.
ProtectSystem=strict
StateDirectory=leger
StateDirectoryMode=0700
CacheDirectory=leger
CacheDirectoryMode=0700
ReadWritePaths=-/var/lib/containers -/run/containers -/run/libpod -/etc/containers/systemd
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
DevicePolicy=closed
NoNewPrivileges=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictRealtime=yes
RestrictSUIDSGID=yes
RestrictNamespaces=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service @mount
SystemCallErrorNumber=EPERM
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL CAP_SYS_ADMIN`;

/**
 * The user unit's sandbox: what rootless podman allows. Rootless podman
 * enters a user namespace through the setuid (or file-capability)
 * newuidmap/newgidmap helpers, so nothing that implies NoNewPrivileges=
 * (seccomp filters, RestrictNamespaces=, LockPersonality=, ...) or a
 * private user namespace (ProtectSystem= and friends in a user manager)
 * may be set.
 */
export const USER_HARDENING = `# Rootless podman enters its user namespace through the setuid newuidmap
# helper: options that imply NoNewPrivileges= or a private user namespace
# would break it, so the user unit sets only what does not.
KeyringMode=private`;

/** The hardening lines of a scope's unit. */
export function hardeningFor(scope: Scope): string {
  return scope === "system" ? SYSTEM_HARDENING : USER_HARDENING;
}
