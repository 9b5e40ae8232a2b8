import ProcessSupervisor
import SpoolQueueFiles

/// A queue's effective sandbox as `systemd-analyze security` shows a unit's:
/// each setting, whether it protects, and an exposure from 0 (everything
/// locked down) to 10 (nothing), with systemd's levels.
public struct SandboxReport: Sendable {
    /// One setting of the sandbox.
    public struct Finding: Sendable, Equatable {
        /// The queue file key, such as `PrivateNetwork=`.
        public let key: String
        /// Its effective value, as the file would spell it.
        public let value: String
        /// Whether it protects (nil: not enforced yet, counted as exposed).
        public let protects: Bool?
        /// What it means for a handler.
        public let meaning: String
        /// Its share of the exposure when it does not protect.
        public let weight: Double
    }

    /// The queue's tube.
    public let tube: String
    /// The file that configures it.
    public let file: String
    /// The settings, in a fixed order.
    public let findings: [Finding]

    /// The exposure, 0.0 to 10.0: the weight of what does not protect.
    public var exposure: Double {
        let total = findings.reduce(0) { $0 + $1.weight }
        let exposed = findings.filter { $0.protects != true }.reduce(0) { $0 + $1.weight }
        return total == 0 ? 0 : (exposed / total * 100).rounded() / 10
    }

    /// systemd's words for an exposure: SAFE, OK, MEDIUM, EXPOSED, UNSAFE.
    public var level: String {
        switch exposure {
        case ..<2: "SAFE"
        case ..<5: "OK"
        case ..<7: "MEDIUM"
        case ..<9: "EXPOSED"
        default: "UNSAFE"
        }
    }

    /// The report on `queue`, its system call groups resolved with `groups`
    /// (the installed systemd's; nil when they cannot be read).
    public init(_ queue: QueueConfiguration, groups: SyscallGroups?) {
        tube = queue.tube
        file = queue.file
        let sandbox = queue.sandbox
        let filter = sandbox.effectiveSystemCallFilter
        let spelled = filter.map { $0.joined(separator: " ") }.joined(separator: " ")
        // Protective when an allow list leaves out every privileged call.
        let withoutPrivileged = groups.flatMap { groups -> Bool? in
            guard let (allow, calls) = try? SandboxCompiler.systemCalls(filter, groups: groups),
                let privileged = try? groups.systemCalls("@privileged")
            else { return nil }
            return allow && calls.isDisjoint(with: privileged)
        }
        let filterMeaning = switch withoutPrivileged {
        case true?: "an allow list without @privileged"
        case false?: "privileged system calls are allowed"
        case nil: "systemd's groups cannot be read"
        }
        let families = SandboxCompiler.allowedFamilies(sandbox)
        let familyNames = families.map { allowed in
            allowed.isEmpty ? "none" : SandboxSettings.addressFamilyNumbers.filter { allowed.contains($0.value) && $0.key != "AF_LOCAL" }
                .keys.sorted().joined(separator: " ")
        } ?? "all"
        findings = [
            Finding(
                key: "User=", value: queue.user, protects: queue.user != "root",
                meaning: queue.user == "root" ? "runs as root" : "runs as an unprivileged user", weight: 2),
            Finding(
                key: "NoNewPrivileges=", value: "yes", protects: true,
                meaning: "no setuid program or file capability can raise its privileges (always on)", weight: 1),
            Finding(
                key: "SystemCallFilter=", value: spelled, protects: withoutPrivileged,
                meaning: filterMeaning, weight: 2),
            Finding(
                key: "SystemCallErrorNumber=", value: sandbox.systemCallErrorNumber.map { number in
                    SandboxSettings.errorNumbers.first { $0.value == number }?.key ?? "\(number)"
                } ?? "kill", protects: true,
                meaning: sandbox.systemCallErrorNumber == nil ? "a denied call kills the handler (SIGSYS)" : "a denied call fails", weight: 0),
            Finding(
                key: "PrivateNetwork=", value: sandbox.privateNetwork ? "yes" : "no", protects: sandbox.privateNetwork,
                meaning: sandbox.privateNetwork ? "no network" : "the network is reachable", weight: 2),
            Finding(
                key: "RestrictAddressFamilies=", value: familyNames, protects: families.map { $0.isSubset(of: [1]) } ?? false,
                meaning: families.map { $0.isEmpty ? "no socket at all" : "sockets of these families only" } ?? "sockets of any family",
                weight: 1),
            Finding(
                key: "RestrictNamespaces=", value: sandbox.restrictNamespaces ? "yes" : "no", protects: sandbox.restrictNamespaces,
                meaning: sandbox.restrictNamespaces
                    ? "makes and joins no namespace" : "may make namespaces (a user namespace reaches more of the kernel)",
                weight: 1),
            Finding(
                key: "LimitAS=, LimitNPROC=",
                value: [queue.limits.addressSpace, queue.limits.processes].map(Self.spelled).joined(separator: ", "),
                protects: queue.limits.addressSpace != nil && queue.limits.processes != nil,
                meaning: "memory and processes bounded by rlimits", weight: 1),
            Finding(
                key: "ReadWritePaths=", value: sandbox.readWritePaths.isEmpty ? "none" : sandbox.readWritePaths.joined(separator: " "),
                protects: FileSystemRules.abi > 0 ? true : false,
                meaning: FileSystemRules.abi > 0
                    ? "the file system is read-only but there" : "not enforced: the kernel has no Landlock",
                weight: 1.5),
            Finding(
                key: "PrivateTmp=", value: sandbox.privateTmp ? "yes" : "no",
                protects: sandbox.privateTmp && (FileSystemRules.abi > 0 || PrivateMounts.support == .mountNamespace),
                meaning: sandbox.privateTmp
                    ? "the shared /tmp and /var/tmp are out of reach; each handler gets its own (a tmpfs /tmp in a mount namespace of its own, else a $TMPDIR)"
                    : "the shared /tmp is readable",
                weight: 1),
            Finding(
                key: "TemporaryFileSystem=",
                value: sandbox.temporaryFileSystems.isEmpty
                    ? "none" : sandbox.temporaryFileSystems.map { $0.path + ($0.readOnly ? ":ro" : "") }.joined(separator: " "),
                protects: true,
                meaning: sandbox.temporaryFileSystems.isEmpty ? "no directory covered" : "an empty tmpfs of its own over each",
                weight: 0),
            Finding(
                key: "InaccessiblePaths=", value: sandbox.inaccessiblePaths.isEmpty ? "none" : sandbox.inaccessiblePaths.joined(separator: " "),
                protects: true, meaning: "neither readable nor writable", weight: 0),
            Self.cgroupFinding(queue.cgroupLimits),
        ]
    }

    /// Protective when the handler's own cgroup bounds both its memory and its tasks.
    private static func cgroupFinding(_ limits: CgroupLimits) -> Finding {
        let values = [
            limits.memoryMax.map(ByteSize.spelled) ?? "-", limits.tasksMax.map { "\($0)" } ?? "-",
            limits.cpuQuotaPercent.map { "\($0)%" } ?? "-",
        ]
        let bounded = limits.memoryMax != nil && limits.tasksMax != nil
        return Finding(
            key: "MemoryMax=, TasksMax=, CPUQuota=", value: values.joined(separator: ", "), protects: bounded,
            meaning: bounded
                ? "memory and tasks bounded by the handler's own cgroup"
                : "memory or tasks not bounded by a cgroup of the handler's own", weight: 1.5)
    }

    private static func spelled(_ limit: ResourceLimit?) -> String {
        switch limit {
        case nil: "-"
        case .unlimited: "infinity"
        case .limited(let value): "\(value)"
        }
    }
}
