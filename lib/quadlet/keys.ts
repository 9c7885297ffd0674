/**
 * The keys podman's quadlet generator accepts in each section, with the
 * podman release that introduced them (read from the `SupportedKeys`
 * tables of `pkg/systemd/quadlet/quadlet.go` at each tag v4.4.0..v5.8.2
 * and v6.0.0; `ImageVolume=` from podman 6.1's release notes, checked
 * against the 6.1.1 generator), whether the generator reads every assignment or only the
 * last one, and what kind of value each takes. Also the keys systemd
 * knows in `[Unit]`, `[Service]` and `[Install]`.
 *
 * @module
 */

/** What a key's value is, for value checks. */
export type ValueType =
  | "string"
  | "bool"
  | "int"
  | "size"
  | "duration"
  | "port"
  | "expose"
  | "volume"
  | "owner"
  | "mount"
  | "secret"
  | "autoupdate"
  | "userns"
  | "ulimit"
  | "network"
  | "pod"
  | "image"
  | "file"
  | "keyval"
  | "args"
  | "strv"
  | "enum";

/** What the generator knows about one key of one quadlet section. */
export interface KeySpec {
  /** Podman version ("major.minor") that introduced the key in this section. */
  since: string;
  /** True when every assignment counts (`Key=` empties the list). */
  list: boolean;
  /** Value kind. */
  type: ValueType;
  /** Allowed values for `enum` (compared case-sensitively unless noted). */
  values?: readonly string[];
  /** Set for keys podman documents as deprecated: what to use instead. */
  deprecated?: string;
}

// "Key@since" per section, generated from podman's tables (see module doc).
const SINCE: Record<string, string> = {
  Container: "AddCapability@4.4 AddDevice@4.4 AddHost@5.3 Annotation@4.4 AppArmor@5.8 AutoUpdate@4.6 CgroupsMode@5.3 " +
    "ContainerName@4.4 ContainersConfModule@4.8 DNS@4.7 DNSOption@4.7 DNSSearch@4.7 DropCapability@4.4 Entrypoint@5.0 " +
    "Environment@4.4 EnvironmentFile@4.4 EnvironmentHost@4.4 Exec@4.4 ExposeHostPort@4.4 GIDMap@4.8 GlobalArgs@4.8 " +
    "Group@4.4 GroupAdd@5.1 HealthCmd@4.5 HealthInterval@4.5 HealthLogDestination@5.3 HealthMaxLogCount@5.3 " +
    "HealthMaxLogSize@5.3 HealthOnFailure@4.5 HealthRetries@4.5 HealthStartPeriod@4.5 HealthStartupCmd@4.5 " +
    "HealthStartupInterval@4.5 HealthStartupRetries@4.5 HealthStartupSuccess@4.5 HealthStartupTimeout@4.5 " +
    "HealthTimeout@4.5 HostName@4.6 HttpProxy@5.7 IP@4.5 IP6@4.5 Image@4.4 ImageVolume@6.1 Label@4.4 LogDriver@4.5 " +
    "LogOpt@5.2 " +
    "Mask@4.6 Memory@5.5 Mount@4.5 Network@4.4 NetworkAlias@5.2 NoNewPrivileges@4.4 Notify@4.4 PidsLimit@4.7 Pod@5.0 " +
    "PodmanArgs@4.4 PublishPort@4.4 Pull@4.6 ReadOnly@4.4 ReadOnlyTmpfs@4.8 ReloadCmd@5.5 ReloadSignal@5.5 " +
    "RemapGid@4.4 RemapUid@4.4 RemapUidSize@4.4 RemapUsers@4.4 Retry@5.5 RetryDelay@5.5 Rootfs@4.5 RunInit@4.4 " +
    "SeccompProfile@4.4 Secret@4.5 SecurityLabelDisable@4.5 SecurityLabelFileType@4.5 SecurityLabelLevel@4.5 " +
    "SecurityLabelNested@4.6 SecurityLabelType@4.5 ServiceName@5.3 ShmSize@4.7 StartWithPod@5.3 StopSignal@5.2 " +
    "StopTimeout@5.0 SubGIDMap@4.8 SubUIDMap@4.8 Sysctl@4.6 Timezone@4.4 Tmpfs@4.5 UIDMap@4.8 Ulimit@4.7 Unmask@4.6 " +
    "User@4.4 UserNS@4.5 VolatileTmp@4.4 Volume@4.4 WorkingDir@4.6",
  Volume: "ContainersConfModule@4.8 Copy@4.4 Device@4.4 Driver@4.8 GID@6.0 GlobalArgs@4.8 Group@4.4 Image@4.8 " +
    "Label@4.4 Options@4.4 PodmanArgs@4.6 ServiceName@5.3 Type@4.4 UID@6.0 User@4.4 VolumeName@4.7",
  Network: "ContainersConfModule@4.8 DNS@4.7 DisableDNS@4.4 Driver@4.4 Gateway@4.4 GlobalArgs@4.8 IPAMDriver@4.4 " +
    "IPRange@4.4 IPv6@4.4 InterfaceName@5.6 Internal@4.4 Label@4.4 NetworkDeleteOnStop@5.5 NetworkName@4.7 " +
    "Options@4.4 PodmanArgs@4.6 ServiceName@5.3 Subnet@4.4",
  Kube: "AutoUpdate@4.7 ConfigMap@4.4 ContainersConfModule@4.8 ExitCodePropagation@4.6 GlobalArgs@4.8 " +
    "KubeDownForce@4.8 LogDriver@4.5 LogOpt@5.2 Network@4.4 PodmanArgs@4.6 PublishPort@4.4 RemapGid@4.4 " +
    "RemapUid@4.4 RemapUidSize@4.4 RemapUsers@4.4 ServiceName@5.3 SetWorkingDirectory@4.7 UserNS@4.5 Yaml@4.4",
  Image: "AllTags@4.8 Arch@4.8 AuthFile@4.8 CertDir@4.8 ContainersConfModule@4.8 Creds@4.8 DecryptionKey@4.8 " +
    "GlobalArgs@4.8 Image@4.8 ImageTag@4.8 OS@4.8 PodmanArgs@4.8 Policy@5.6 Retry@5.5 RetryDelay@5.5 " +
    "ServiceName@5.3 TLSVerify@4.8 Variant@4.8",
  Build: "Annotation@5.2 Arch@5.2 AuthFile@5.2 BuildArg@5.7 ContainersConfModule@5.2 DNS@5.2 DNSOption@5.2 " +
    "DNSSearch@5.2 Environment@5.2 File@5.2 ForceRM@5.2 GlobalArgs@5.2 GroupAdd@5.2 IgnoreFile@5.7 ImageTag@5.2 " +
    "Label@5.2 Network@5.2 PodmanArgs@5.2 Pull@5.2 Retry@5.5 RetryDelay@5.5 Secret@5.2 ServiceName@5.3 " +
    "SetWorkingDirectory@5.2 TLSVerify@5.2 Target@5.2 Variant@5.2 Volume@5.2",
  Pod: "AddHost@5.3 ContainersConfModule@5.0 DNS@5.3 DNSOption@5.3 DNSSearch@5.3 ExitPolicy@5.6 GIDMap@5.3 " +
    "GlobalArgs@5.0 HostName@5.5 IP@5.3 IP6@5.3 Label@5.6 Network@5.0 NetworkAlias@5.2 PodName@5.0 PodmanArgs@5.0 " +
    "PublishPort@5.0 RemapGid@5.3 RemapUid@5.3 RemapUidSize@5.3 RemapUsers@5.3 ServiceName@5.3 ShmSize@5.4 " +
    "StopTimeout@5.7 SubGIDMap@5.3 SubUIDMap@5.3 UIDMap@5.3 UserNS@5.3 Volume@5.0",
  Artifact: "Artifact@5.7 AuthFile@5.7 CertDir@5.7 ContainersConfModule@5.7 Creds@5.7 DecryptionKey@5.7 " +
    "GlobalArgs@5.7 PodmanArgs@5.7 Quiet@5.7 Retry@5.7 RetryDelay@5.7 ServiceName@5.7 TLSVerify@5.7",
  Quadlet: "DefaultDependencies@5.3",
};

/** The podman release that introduced each quadlet file kind. */
export const KIND_SINCE: Record<string, string> = {
  container: "4.4",
  volume: "4.4",
  network: "4.4",
  kube: "4.4",
  image: "4.8",
  pod: "5.0",
  build: "5.2",
  artifact: "5.7",
};

const LIST_ALL = "AddHost DNS DNSOption DNSSearch ExposeHostPort GroupAdd Network NetworkAlias PublishPort Tmpfs " +
  "Ulimit Volume ContainersConfModule Subnet Gateway IPRange ImageTag";
const LIST_STRV = "AddCapability AddDevice DropCapability GIDMap UIDMap LogOpt RemapGid RemapUid Sysctl Yaml ConfigMap";
const LIST_ARGS = "EnvironmentFile GlobalArgs Mask Unmask Mount PodmanArgs Secret";
const LIST_KEYVAL = "Annotation Environment Label BuildArg";
const BOOLS = "EnvironmentHost HttpProxy NoNewPrivileges ReadOnly ReadOnlyTmpfs RunInit SecurityLabelDisable " +
  "SecurityLabelNested StartWithPod VolatileTmp DisableDNS Internal IPv6 NetworkDeleteOnStop KubeDownForce AllTags " +
  "TLSVerify ForceRM Copy Quiet DefaultDependencies";
const INTS = "PidsLimit HealthRetries HealthStartupRetries HealthStartupSuccess HealthMaxLogCount HealthMaxLogSize " +
  "Retry StopTimeout RemapUidSize";
const DURATIONS =
  "HealthInterval HealthTimeout HealthStartPeriod HealthStartupInterval HealthStartupTimeout RetryDelay";

const ENUMS: Record<string, readonly string[]> = {
  Pull: ["always", "missing", "never", "newer"],
  Policy: ["always", "missing", "never", "newer"],
  HealthOnFailure: ["none", "kill", "restart", "stop"],
  CgroupsMode: ["enabled", "disabled", "no-conmon", "split"],
  ExitPolicy: ["continue", "stop"],
  ExitCodePropagation: ["all", "any", "none"],
  RemapUsers: ["manual", "auto", "keep-id"],
  LogDriver: ["k8s-file", "journald", "none", "passthrough", "passthrough-tty"],
  ImageVolume: ["bind", "tmpfs", "ignore"],
};

const DEPRECATED: Record<string, string> = {
  RemapUsers: "UserNS=",
  RemapUid: "UIDMap= or UserNS=",
  RemapGid: "GIDMap= or UserNS=",
  RemapUidSize: "UserNS=auto:size=N",
  VolatileTmp: "Tmpfs=/tmp",
};

const words = (s: string) => new Set(s.split(" "));
const listAll = words(LIST_ALL), listStrv = words(LIST_STRV), listArgs = words(LIST_ARGS);
const listKeyval = words(LIST_KEYVAL), bools = words(BOOLS), ints = words(INTS), durations = words(DURATIONS);

function typeOf(section: string, key: string): ValueType {
  if (key === "PublishPort") return "port";
  if (key === "ExposeHostPort") return "expose";
  if (key === "Volume" && section !== "Volume") return "volume";
  if (key === "Mount") return "mount";
  if (key === "Secret") return "secret";
  if (key === "AutoUpdate") return "autoupdate";
  if (key === "UserNS") return "userns";
  if (key === "Ulimit") return "ulimit";
  if (key === "Network" && section !== "Network") return "network";
  if (key === "Pod") return "pod";
  if (key === "Image" && section !== "Image") return "image";
  if (key === "EnvironmentFile" || key === "Yaml" || key === "ConfigMap") return "file";
  if (key === "ShmSize" || key === "Memory") return "size";
  if ((key === "User" || key === "Group") && section === "Volume") return "owner";
  if ((key === "UID" || key === "GID") && section === "Volume") return "int";
  if (key === "Notify") return "enum";
  if (key in ENUMS) return "enum";
  if (bools.has(key)) return "bool";
  if (ints.has(key)) return "int";
  if (durations.has(key)) return "duration";
  if (listKeyval.has(key)) return "keyval";
  if (listArgs.has(key)) return "args";
  if (listStrv.has(key)) return "strv";
  return "string";
}

function isList(section: string, key: string): boolean {
  if (key === "HostName") return section === "Pod";
  if (key === "AutoUpdate") return section === "Kube";
  return listAll.has(key) || listStrv.has(key) || listArgs.has(key) || listKeyval.has(key) ||
    (key === "Options" && section === "Network");
}

/**
 * The first podman whose generator reads `Notify=healthy` (`--sdnotify=healthy`);
 * an older one takes the word for a boolean it cannot read, that is false.
 */
export const NOTIFY_HEALTHY_SINCE = "5.0";

/** Key tables: section name -> key -> spec. */
export const QUADLET_KEYS: ReadonlyMap<string, ReadonlyMap<string, KeySpec>> = new Map(
  Object.entries(SINCE).map(([section, list]) => [
    section,
    new Map(
      list.split(" ").map((item) => {
        const [key, since] = item.split("@") as [string, string];
        const type = typeOf(section, key);
        const spec: KeySpec = { since, list: isList(section, key), type };
        if (type === "enum") spec.values = key === "Notify" ? ["healthy"] : ENUMS[key]!;
        if (key in DEPRECATED) spec.deprecated = DEPRECATED[key]!;
        return [key, spec];
      }),
    ),
  ]),
);

/** The spec of a quadlet key, or undefined when the generator does not know it. */
export function keySpec(section: string, key: string): KeySpec | undefined {
  return QUADLET_KEYS.get(section)?.get(key);
}

/** Compares "major.minor" versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest podman release the tables describe. */
export const LATEST_PODMAN = "6.1";

const UNIT_KEYS = "Description Documentation SourcePath Requires Requisite Wants BindsTo BindTo Upholds Conflicts " +
  "Before After OnSuccess OnFailure PropagatesReloadTo PropagateReloadTo ReloadPropagatedFrom PropagateReloadFrom " +
  "PropagatesStopTo StopPropagatedFrom PartOf JoinsNamespaceOf RequiresOverridable RequisiteOverridable " +
  "RequiresMountsFor WantsMountsFor StopWhenUnneeded RefuseManualStart RefuseManualStop AllowIsolate " +
  "DefaultDependencies SurviveFinalKillSignal OnSuccessJobMode OnFailureJobMode OnFailureIsolate IgnoreOnIsolate " +
  "IgnoreOnSnapshot JobTimeoutSec JobRunningTimeoutSec JobTimeoutAction JobTimeoutRebootArgument " +
  "StartLimitIntervalSec StartLimitInterval StartLimitBurst StartLimitAction FailureAction SuccessAction " +
  "FailureActionExitStatus SuccessActionExitStatus RebootArgument CollectMode";
const CONDITIONS = "PathExists PathExistsGlob PathIsDirectory PathIsSymbolicLink PathIsMountPoint PathIsReadWrite " +
  "PathIsEncrypted DirectoryNotEmpty FileNotEmpty FileIsExecutable NeedsUpdate FirstBoot Architecture Firmware " +
  "Virtualization Host KernelCommandLine KernelVersion Version Credential Security Capability ACPower Memory " +
  "CPUFeature CPUs Environment User Group ControlGroupController OSRelease MemoryPressure CPUPressure IOPressure " +
  "KernelModuleLoaded";
const SERVICE_KEYS = "PIDFile ExecCondition ExecStartPre ExecStart ExecReload ExecStartPost ExecStop ExecStopPost " +
  "RestartSec RestartSteps RestartMaxDelaySec TimeoutSec TimeoutStartSec TimeoutStopSec TimeoutAbortSec " +
  "TimeoutStartFailureMode TimeoutStopFailureMode RuntimeMaxSec RuntimeRandomizedExtraSec WatchdogSec " +
  "StartLimitInterval StartLimitBurst StartLimitAction FailureAction RebootArgument Type ExitType Restart " +
  "RestartMode PermissionsStartOnly RootDirectoryStartOnly RemainAfterExit GuessMainPID RestartPreventExitStatus " +
  "RestartForceExitStatus SuccessExitStatus SysVStartPriority NonBlocking BusName FileDescriptorStoreMax " +
  "FileDescriptorStorePreserve NotifyAccess Sockets BusPolicy USBFunctionDescriptors USBFunctionStrings OOMPolicy " +
  "OpenFile ReloadSignal " +
  // exec context
  "WorkingDirectory RootDirectory RootImage RootImageOptions RootImagePolicy RootHash RootHashSignature RootVerity " +
  "RootEphemeral ExtensionDirectories ExtensionImages ExtensionImagePolicy MountImages MountImagePolicy User Group " +
  "SupplementaryGroups SetLoginEnvironment Nice OOMScoreAdjust CoredumpFilter IOSchedulingClass " +
  "IOSchedulingPriority CPUSchedulingPolicy CPUSchedulingPriority CPUSchedulingResetOnFork CPUAffinity NUMAPolicy " +
  "NUMAMask UMask Environment EnvironmentFile PassEnvironment UnsetEnvironment DynamicUser RemoveIPC StandardInput " +
  "StandardOutput StandardError StandardInputText StandardInputData TTYPath TTYReset TTYVHangup TTYVTDisallocate " +
  "TTYRows TTYColumns SyslogIdentifier SyslogFacility SyslogLevel SyslogLevelPrefix LogLevelMax " +
  "LogRateLimitIntervalSec LogRateLimitBurst LogExtraFields LogFilterPatterns Capabilities SecureBits " +
  "CapabilityBoundingSet AmbientCapabilities TimerSlackNSec NoNewPrivileges KeyringMode ProtectProc ProcSubset " +
  "PrivateBPF BPFDelegateCommands BPFDelegateMaps BPFDelegatePrograms BPFDelegateAttachments SystemCallFilter " +
  "SystemCallArchitectures SystemCallErrorNumber SystemCallLog MemoryDenyWriteExecute RestrictNamespaces " +
  "RestrictRealtime RestrictSUIDSGID RestrictAddressFamilies LockPersonality DelegateNamespaces " +
  "RestrictFileSystems LandlockConfig LimitCPU LimitFSIZE LimitDATA LimitSTACK LimitCORE LimitRSS LimitNOFILE " +
  "LimitAS LimitNPROC LimitMEMLOCK LimitLOCKS LimitSIGPENDING LimitMSGQUEUE LimitNICE LimitRTPRIO LimitRTTIME " +
  "ReadWriteDirectories ReadOnlyDirectories InaccessibleDirectories ReadWritePaths ReadOnlyPaths InaccessiblePaths " +
  "ExecPaths NoExecPaths ExecSearchPath BindPaths BindReadOnlyPaths TemporaryFileSystem PrivateTmp PrivateDevices " +
  "ProtectKernelTunables ProtectKernelModules ProtectKernelLogs ProtectClock ProtectControlGroups " +
  "NetworkNamespacePath IPCNamespacePath LogNamespace PrivateNetwork PrivateUsers PrivateMounts PrivateIPC " +
  "PrivatePIDs ProtectSystem ProtectHome MountFlags MountAPIVFS BindLogSockets Personality RuntimeDirectoryPreserve " +
  "RuntimeDirectoryMode RuntimeDirectory StateDirectoryMode StateDirectoryAccounting StateDirectoryQuota " +
  "StateDirectory CacheDirectoryMode CacheDirectoryAccounting CacheDirectoryQuota CacheDirectory LogsDirectoryMode " +
  "LogsDirectoryAccounting LogsDirectoryQuota LogsDirectory ConfigurationDirectoryMode ConfigurationDirectory " +
  "SetCredential SetCredentialEncrypted LoadCredential LoadCredentialEncrypted ImportCredential TimeoutCleanSec " +
  "PAMName IgnoreSIGPIPE UtmpIdentifier UtmpMode SELinuxContext AppArmorProfile SmackProcessLabel ProtectHostname " +
  "MemoryKSM " +
  // kill context
  "SendSIGKILL SendSIGHUP KillMode KillSignal RestartKillSignal FinalKillSignal WatchdogSignal " +
  // cgroup context
  "Slice AllowedCPUs StartupAllowedCPUs AllowedMemoryNodes StartupAllowedMemoryNodes CPUAccounting CPUWeight " +
  "StartupCPUWeight CPUShares StartupCPUShares CPUQuota CPUQuotaPeriodSec MemoryAccounting MemoryMin " +
  "DefaultMemoryMin DefaultMemoryLow DefaultStartupMemoryLow MemoryLow StartupMemoryLow MemoryHigh " +
  "StartupMemoryHigh MemoryMax StartupMemoryMax MemorySwapMax StartupMemorySwapMax MemoryZSwapMax " +
  "StartupMemoryZSwapMax MemoryZSwapWriteback MemoryLimit DeviceAllow DevicePolicy IOAccounting IOWeight " +
  "StartupIOWeight IODeviceWeight IOReadBandwidthMax IOWriteBandwidthMax IOReadIOPSMax IOWriteIOPSMax " +
  "IODeviceLatencyTargetSec BlockIOAccounting BlockIOWeight StartupBlockIOWeight BlockIODeviceWeight " +
  "BlockIOReadBandwidth BlockIOWriteBandwidth TasksAccounting TasksMax Delegate DelegateSubgroup " +
  "DisableControllers IPAccounting IPAddressAllow IPAddressDeny IPIngressFilterPath IPEgressFilterPath " +
  "ManagedOOMSwap ManagedOOMMemoryPressure ManagedOOMMemoryPressureLimit ManagedOOMMemoryPressureDurationSec " +
  "ManagedOOMPreference NetClass BPFProgram SocketBindAllow SocketBindDeny RestrictNetworkInterfaces " +
  "MemoryPressureThresholdSec MemoryPressureWatch NFTSet CoredumpReceive";
const INSTALL_KEYS = "Alias WantedBy RequiredBy UpheldBy Also DefaultInstance";

/** Keys systemd knows in the sections it reads from a quadlet file. */
export const SYSTEMD_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    "Unit",
    new Set([
      ...UNIT_KEYS.split(" "),
      ...CONDITIONS.split(" ").flatMap((c) => [`Condition${c}`, `Assert${c}`]),
    ]),
  ],
  ["Service", words(SERVICE_KEYS)],
  ["Install", words(INSTALL_KEYS)],
]);

/** The `[Unit]` keys whose quadlet file names the generator turns into service names. */
export const UNIT_DEPENDENCY_KEYS: readonly string[] = [
  "After",
  "Before",
  "BindsTo",
  "Conflicts",
  "OnFailure",
  "OnSuccess",
  "PartOf",
  "PropagatesReloadTo",
  "PropagatesStopTo",
  "ReloadPropagatedFrom",
  "Requires",
  "Requisite",
  "StopPropagatedFrom",
  "Upholds",
  "Wants",
];

/** The `[Install]` keys the generator applies itself. */
export const INSTALL_APPLIED: readonly string[] = ["Alias", "WantedBy", "RequiredBy", "UpheldBy", "DefaultInstance"];

/** `[Service]` keys podman warns about (quadlet units cannot switch user). */
export const UNSUPPORTED_SERVICE_KEYS: readonly string[] = ["User", "Group", "DynamicUser"];

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known name to `name`: same letters in another case first, then small typos. */
export function suggest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = name.toLowerCase();
  for (const k of known) {
    if (k.toLowerCase() === lower) return k;
    const d = editDistance(lower, k.toLowerCase());
    const limit = Math.max(1, Math.min(3, Math.floor(k.length / 3)));
    if (d <= limit && d < bestScore) {
      best = k;
      bestScore = d;
    }
  }
  return best;
}
