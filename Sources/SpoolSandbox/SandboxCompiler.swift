import CSeccomp
import ProcessSupervisor
import SpoolQueueFiles
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Builds a queue's seccomp filters from its ``SandboxSettings`` with
/// libseccomp, as systemd builds a unit's: one filter for
/// `SystemCallFilter=` and `RestrictNamespaces=`, one for the address
/// families `socket(2)` may use.
/// Built once per distinct sandbox and kept: starting a handler costs one
/// `prctl` per filter, nothing more.
public enum SandboxCompiler {
    /// The system calls every allow list includes, as systemd's do
    /// (`@default`: execve, exit, time, sleeping, ...).
    static let implicitlyAllowed = "@default"

    private static let cache = Mutex<[SandboxSettings: [SeccompFilter]]>([:])

    /// The filters for `settings`.
    /// - Throws: ``SandboxError`` for a group or system call that does not
    ///   exist, or when systemd's groups cannot be read.
    public static func filters(for settings: SandboxSettings) throws(SandboxError) -> [SeccompFilter] {
        if let cached = cache.withLock({ $0[settings] }) { return cached }
        try loadLibseccomp()
        let families = allowedFamilies(settings)
        // No socket at all (the strict default): the system call filter
        // refuses socket() itself. The kernel compiles each filter at every
        // handler's start, and a second one cost as much as the first.
        var filters = try systemCallFilter(settings, refusingSockets: families == [])
        if let families, !families.isEmpty { filters.append(try familyFilter(allowing: families)) }
        cache.withLock { $0[settings] = filters }
        return filters
    }

    /// The system calls the filter allows (`allow`) or denies, after every
    /// assignment: the first decides which, later ones of the same polarity
    /// add, of the other polarity take away.
    static func systemCalls(_ assignments: [[String]], groups: SyscallGroups) throws(SandboxError) -> (allow: Bool, calls: Set<String>) {
        // Without libseccomp every name would look unknown: say what is missing instead.
        try loadLibseccomp()
        let known = (try? groups.systemCalls("@known")) ?? []
        var (allow, calls) = try combine(assignments) { item throws(SandboxError) in
            // A name systemd knows (for any architecture) or this one has.
            if !item.hasPrefix("@"), !known.contains(item), cseccomp_syscall_resolve_name(item) == __NR_SCMP_ERROR {
                throw .unknownSystemCall(item)
            }
            return try groups.systemCalls(item)
        }
        if allow { calls.formUnion(try groups.systemCalls(implicitlyAllowed)) }
        return (allow, calls)
    }

    /// Loads libseccomp (once; see CSeccomp).
    /// - Throws: ``SandboxError/seccomp(_:)`` with the loader's message.
    static func loadLibseccomp() throws(SandboxError) {
        var message: UnsafePointer<CChar>?
        guard cseccomp_load(&message) == 0 else {
            throw .seccomp("cannot load libseccomp: \(message.map { String(cString: $0) } ?? "unknown error")")
        }
    }

    /// systemd's rule for a list key given several times
    /// (`SystemCallFilter=`, `RestrictAddressFamilies=`): the first
    /// assignment decides whether the list allows or denies (`~` first:
    /// denies); later ones of the same polarity add to it, of the other
    /// polarity take away. `expand` gives what one word names.
    static func combine<Item: Hashable, Failure: Error>(
        _ assignments: [[String]], expand: (String) throws(Failure) -> Set<Item>
    ) throws(Failure) -> (allow: Bool, items: Set<Item>) {
        var allow = true
        var items: Set<Item> = []
        for (index, assignment) in assignments.enumerated() {
            let inverted = assignment.first?.hasPrefix("~") ?? false
            var named: Set<Item> = []
            for (position, word) in assignment.enumerated() {
                named.formUnion(try expand(position == 0 && inverted ? String(word.dropFirst()) : word))
            }
            if index == 0 {
                allow = !inverted
                items = named
            } else if inverted == !allow {
                items.formUnion(named)
            } else {
                items.subtract(named)
            }
        }
        return (allow, items)
    }

    /// The filter of `SystemCallFilter=` and `RestrictNamespaces=` (two
    /// where libseccomp builds it); with `refusingSockets`, a `socket()` it
    /// allows fails with `EAFNOSUPPORT` instead (one it denies stays
    /// denied, the stricter of the two).
    private static func systemCallFilter(_ settings: SandboxSettings, refusingSockets: Bool) throws(SandboxError) -> [SeccompFilter] {
        let (allow, calls) = try systemCalls(settings.effectiveSystemCallFilter, groups: .systemd)
        let denied = settings.systemCallErrorNumber.map { cseccomp_act_errno(UInt16($0)) } ?? cseccomp_act_kill_process()
        let refused = cseccomp_act_errno(UInt16(EAFNOSUPPORT))
        var rules = calls.sorted().map { name in (name, allow ? cseccomp_act_allow() : denied) }
        if refusingSockets {
            if allow {
                rules = rules.map { $0.0 == "socket" ? ($0.0, refused) : $0 }
            } else if !calls.contains("socket") {
                rules.append(("socket", refused))
            }
        }
        // systemd's groups name the calls of every architecture; this one has only some of them.
        let numbered = rules.compactMap { name, action -> (name: String, number: Int32, action: UInt32)? in
            let number = cseccomp_syscall_resolve_name(name)
            return number == __NR_SCMP_ERROR ? nil : (name, number, action)
        }
        let defaultAction = allow ? denied : cseccomp_act_allow()
        let architecture = cseccomp_native_architecture()
        var verdicts = Dictionary(
            numbered.map { ($0.number, SyscallRangeFilter.Verdict.action($0.action)) }, uniquingKeysWith: { first, _ in first })
        var namespaces: [NamespaceRule] = []
        if settings.restrictNamespaces {
            namespaces = namespaceRules(architecture: architecture).filter { rule in
                // A call the filter denies anyway stays denied.
                verdicts[rule.number, default: .action(defaultAction)] == .action(cseccomp_act_allow())
            }
            for rule in namespaces {
                verdicts[rule.number] = rule.flags == 0
                    ? .action(rule.refusal)
                    : .argumentBits(index: rule.argument, mask: rule.flags, denied: rule.refusal, allowed: cseccomp_act_allow())
            }
        }
        if let program = SyscallRangeFilter.program(
            architecture: architecture, verdicts: verdicts, otherwise: defaultAction, foreign: cseccomp_act_kill_process())
        {
            return [SeccompFilter(instructions: program)]
        }
        var filters = [
            try build(defaultAction: defaultAction) { context throws(SandboxError) in
                for rule in numbered {
                    let result = cseccomp_rule(context, rule.action, rule.number)
                    guard result == 0 else { throw .seccomp("\(rule.name): \(String(cString: strerror(-result)))") }
                }
            }
        ]
        if !namespaces.isEmpty { filters.append(try namespaceFilter(namespaces)) }
        return filters
    }

    /// A call that can make or join a namespace, refused with `refusal`:
    /// when `flags` is 0 always, otherwise when its argument `argument`
    /// has any of `flags`.
    struct NamespaceRule {
        let name: String
        let number: Int32
        let argument: UInt32
        let flags: UInt32
        let refusal: UInt32
    }

    /// Namespace types by their `CLONE_NEW*` flags: mount, cgroup, UTS,
    /// IPC, user, PID, network; and time, whose flag only `unshare` reads
    /// (in `clone`'s flags the same bit is part of the exit signal).
    private static let cloneNamespaceFlags: UInt32 = 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000
        | 0x1000_0000 | 0x2000_0000 | 0x4000_0000
    private static let timeNamespaceFlag: UInt32 = 0x0000_0080

    /// `RestrictNamespaces=yes` as systemd's: `clone` and `unshare` with a
    /// namespace flag and every `setns` fail with EPERM; `clone3`, whose
    /// flags are in memory a filter cannot read, fails with ENOSYS, which
    /// makes the C library fall back to `clone`.
    static func namespaceRules(architecture: UInt32) -> [NamespaceRule] {
        let refused = cseccomp_act_errno(UInt16(EPERM))
        // s390's clone takes the stack first and the flags second.
        let s390 = architecture & 0xFFFF == 0x16
        return [
            ("clone", s390 ? 1 : 0, cloneNamespaceFlags, refused),
            ("unshare", 0, cloneNamespaceFlags | timeNamespaceFlag, refused),
            ("setns", 0, 0, refused),
            ("clone3", 0, 0, cseccomp_act_errno(UInt16(ENOSYS))),
        ].compactMap { name, argument, flags, refusal in
            let number = cseccomp_syscall_resolve_name(name)
            guard number != __NR_SCMP_ERROR else { return nil }
            return NamespaceRule(name: name, number: number, argument: UInt32(argument), flags: flags, refusal: refusal)
        }
    }

    /// The rules as a filter of their own, where the system call filter is
    /// libseccomp's: one rule per flag, as systemd's.
    private static func namespaceFilter(_ rules: [NamespaceRule]) throws(SandboxError) -> SeccompFilter {
        try build(defaultAction: cseccomp_act_allow()) { context throws(SandboxError) in
            for rule in rules {
                let flags = (0..<32).map { UInt32(1) << $0 }.filter { rule.flags & $0 != 0 }
                let results = flags.isEmpty
                    ? [cseccomp_rule(context, rule.refusal, rule.number)]
                    : flags.map { cseccomp_rule_argument_has_bits(context, rule.refusal, rule.number, rule.argument, UInt64($0)) }
                if let failed = results.first(where: { $0 != 0 }) {
                    throw .seccomp("\(rule.name): \(String(cString: strerror(-failed)))")
                }
            }
        }
    }

    /// The families `socket(2)` may create: `RestrictAddressFamilies=`, and
    /// with `PrivateNetwork=` none but `AF_UNIX`. nil when all are allowed.
    static func allowedFamilies(_ settings: SandboxSettings) -> Set<Int32>? {
        var allowed: Set<Int32>? = nil
        if !settings.addressFamilies.isEmpty {
            // `none`, the only word that is no family, names none.
            let (allow, named) = combine(settings.addressFamilies) { word in
                Set([SandboxSettings.addressFamilyNumbers[word]].compactMap { $0 })
            }
            allowed = allow ? named : Set(SandboxSettings.addressFamilyNumbers.values).subtracting(named)
        }
        if settings.privateNetwork {
            // No network: only local sockets, and only when asked for.
            allowed = (allowed ?? []).intersection([1])
        }
        return allowed
    }

    /// A filter on `socket()`'s first argument: only the `allowed` families.
    private static func familyFilter(allowing allowed: Set<Int32>) throws(SandboxError) -> SeccompFilter {
        let socketCall = cseccomp_syscall_resolve_name("socket")
        let refused = cseccomp_act_errno(UInt16(EAFNOSUPPORT))
        let familyLimit: Int32 = 46
        return try build(defaultAction: cseccomp_act_allow()) { context throws(SandboxError) in
            for family in 0..<familyLimit where !allowed.contains(family) {
                let result = cseccomp_rule_first_argument_equals(context, refused, socketCall, UInt64(family))
                guard result == 0 else { throw .seccomp("socket(\(family)): \(String(cString: strerror(-result)))") }
            }
            let result = cseccomp_rule_first_argument_at_least(context, refused, socketCall, UInt64(familyLimit))
            guard result == 0 else { throw .seccomp("socket: \(String(cString: strerror(-result)))") }
        }
    }

    /// A filter with `defaultAction` and the rules `rules` adds, exported as BPF.
    private static func build(
        defaultAction: UInt32, _ rules: (scmp_filter_ctx) throws(SandboxError) -> Void
    ) throws(SandboxError) -> SeccompFilter {
        guard let context = cseccomp_init(defaultAction) else { throw .seccomp("seccomp_init failed") }
        defer { cseccomp_release(context) }
        // A binary search over the system call numbers, not a list walked for
        // every call the handler makes (libseccomp 2.5's optimization level 2).
        _ = cseccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        try rules(context)
        var size = 0
        guard let exported = cseccomp_export(context, &size) else {
            throw .seccomp("cannot export the program: \(String(cString: strerror(errno)))")
        }
        defer { free(exported) }
        guard size % 8 == 0, size / 8 <= 4096 else { throw .seccomp("the exported program is \(size) bytes") }
        return SeccompFilter(instructions: Array(UnsafeRawBufferPointer(start: exported, count: size)))
    }
}
