import CSeccomp
import ProcessSupervisor
import SpoolQueueFiles
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Builds a queue's seccomp filters from its ``SandboxSettings`` with
/// libseccomp, as systemd builds a unit's: one filter for
/// `SystemCallFilter=`, one for the address families `socket(2)` may use.
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
        var filters = [try systemCallFilter(settings)]
        if let families = try familyFilter(settings) { filters.append(families) }
        cache.withLock { $0[settings] = filters }
        return filters
    }

    /// The system calls the filter allows (`allow`) or denies, after every
    /// assignment: the first decides which, later ones of the same polarity
    /// add, of the other polarity take away.
    static func systemCalls(_ assignments: [[String]], groups: SyscallGroups) throws(SandboxError) -> (allow: Bool, calls: Set<String>) {
        var allow = true
        var calls: Set<String> = []
        for (index, assignment) in assignments.enumerated() {
            let inverted = assignment.first?.hasPrefix("~") ?? false
            var named: Set<String> = []
            for (position, word) in assignment.enumerated() {
                let item = position == 0 && inverted ? String(word.dropFirst()) : word
                // A name systemd knows (for any architecture) or this one has.
                if !item.hasPrefix("@"), (try? groups.systemCalls("@known"))?.contains(item) != true,
                    seccomp_syscall_resolve_name(item) == __NR_SCMP_ERROR
                {
                    throw .unknownSystemCall(item)
                }
                named.formUnion(try groups.systemCalls(item))
            }
            if index == 0 {
                allow = !inverted
                calls = named
            } else if inverted == !allow {
                calls.formUnion(named)
            } else {
                calls.subtract(named)
            }
        }
        if allow { calls.formUnion(try groups.systemCalls(implicitlyAllowed)) }
        return (allow, calls)
    }

    private static func systemCallFilter(_ settings: SandboxSettings) throws(SandboxError) -> SeccompFilter {
        let (allow, calls) = try systemCalls(settings.effectiveSystemCallFilter, groups: .systemd)
        let denied = settings.systemCallErrorNumber.map { cseccomp_act_errno(UInt16($0)) } ?? cseccomp_act_kill_process()
        return try build(defaultAction: allow ? denied : cseccomp_act_allow()) { context throws(SandboxError) in
            for name in calls.sorted() {
                // systemd's groups name the calls of every architecture; this
                // one has only some of them.
                let number = seccomp_syscall_resolve_name(name)
                guard number != __NR_SCMP_ERROR else { continue }
                let result = cseccomp_rule(context, allow ? cseccomp_act_allow() : denied, number)
                guard result == 0 else { throw .seccomp("\(name): \(String(cString: strerror(-result)))") }
            }
        }
    }

    /// The families `socket(2)` may create: `RestrictAddressFamilies=`, and
    /// with `PrivateNetwork=` none but `AF_UNIX`. nil when all are allowed.
    static func allowedFamilies(_ settings: SandboxSettings) -> Set<Int32>? {
        var allowed: Set<Int32>? = nil
        for (index, assignment) in settings.addressFamilies.enumerated() {
            let inverted = assignment.first?.hasPrefix("~") ?? false
            let words = assignment.enumerated().map { $0.offset == 0 && inverted ? String($0.element.dropFirst()) : $0.element }
            let named = Set(words.compactMap { SandboxSettings.addressFamilyNumbers[$0] })
            if index == 0 {
                allowed = inverted ? Set(SandboxSettings.addressFamilyNumbers.values).subtracting(named) : named
            } else if inverted {
                allowed?.subtract(named)
            } else {
                allowed?.formUnion(named)
            }
        }
        if settings.privateNetwork {
            // No network: only local sockets, and only when asked for.
            allowed = (allowed ?? []).intersection([1])
        }
        return allowed
    }

    private static func familyFilter(_ settings: SandboxSettings) throws(SandboxError) -> SeccompFilter? {
        guard let allowed = allowedFamilies(settings) else { return nil }
        let socketCall = seccomp_syscall_resolve_name("socket")
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
        guard let context = seccomp_init(defaultAction) else { throw .seccomp("seccomp_init failed") }
        defer { seccomp_release(context) }
        // A binary search over the system call numbers, not a list walked for
        // every call the handler makes (libseccomp 2.5's optimization level 2).
        _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2)
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
