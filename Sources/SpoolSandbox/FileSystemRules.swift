import CLandlock
import ProcessSupervisor
import SpoolQueueFiles
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A queue's file system rules for Landlock: every write right the kernel
/// knows is denied but beneath the writable paths (`ReadWritePaths=`, the
/// devices every handler may write and, in a mount namespace of the
/// handler's own, its fresh `/tmp` and `/var/tmp`); with `InaccessiblePaths=`
/// or `PrivateTmp=` (the shared temporary directories), reading is denied too but
/// beneath the siblings of every directory on the way to each inaccessible
/// path, as listed when the rules are made. Landlock only allows, so hiding
/// a path means allowing everything beside it. A handler with private
/// mounts builds its ruleset from the list itself, after its mounts; the
/// others share one built once per distinct sandbox and kept. Each handler
/// enforces it on itself before execve, without privileges.
public enum FileSystemRules {
    /// The kernel's Landlock ABI version; 0 when it has none (then the file
    /// system is not restricted, and `spoolctl sandbox` says so).
    public static let abi = Int(clandlock_abi())

    private struct Key: Hashable {
        let writable: [String]
        let hidden: [String]
    }

    private static let cache = Mutex<[Key: LandlockRuleset]>([:])

    /// The rules of `settings` for a handler with or without a mount
    /// namespace of its own; nil when the kernel has no Landlock.
    /// - Throws: ``SandboxError/missingPath(_:)`` for a writable or hidden
    ///   path that does not exist (and has no `-` first).
    /// - Parameter temporaryDirectory: a directory of the handler's own,
    ///   writable as well (``ruleset(for:temporaryDirectory:)``).
    public static func rules(
        for settings: SandboxSettings, privateMounts: Bool, temporaryDirectory: String? = nil
    ) throws(SandboxError) -> LandlockRules? {
        guard abi > 0 else { return nil }
        let hidden = settings.effectiveInaccessiblePaths.compactMap { word -> String? in
            let path = word.hasPrefix("-") ? String(word.dropFirst()) : word
            return access(path, F_OK) == 0 || !word.hasPrefix("-") ? path : nil
        }
        let write = clandlock_write_rights(Int32(abi))
        let read = hidden.isEmpty ? 0 : clandlock_read_rights()
        var rules: [LandlockRules.Rule] = []
        for word in settings.writablePaths(privateMounts: privateMounts) + (temporaryDirectory.map { [$0] } ?? []) {
            let optional = word.hasPrefix("-")
            let path = optional ? String(word.dropFirst()) : word
            if !optional, access(path, F_OK) != 0 { throw .missingPath(path) }
            rules.append(LandlockRules.Rule(path: path, rights: write | read, optional: optional))
        }
        if !hidden.isEmpty {
            for path in try readable(around: hidden) {
                rules.append(LandlockRules.Rule(path: path, rights: read, optional: true))
            }
        }
        return LandlockRules(handled: write | read, rules: rules)
    }

    /// The ruleset handlers without a mount namespace of their own share, for
    /// `settings`; nil when the kernel has no Landlock.
    /// - Throws: ``SandboxError/missingPath(_:)`` for a writable path that
    ///   does not exist, ``SandboxError/landlock(_:)`` when the kernel refuses.
    public static func ruleset(for settings: SandboxSettings) throws(SandboxError) -> LandlockRuleset? {
        let key = Key(writable: settings.writablePaths(privateMounts: false), hidden: settings.effectiveInaccessiblePaths)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        guard let rules = try rules(for: settings, privateMounts: false) else { return nil }
        let ruleset = try build(rules)
        cache.withLock { $0[key] = ruleset }
        return ruleset
    }

    /// The ruleset of the handlers of one worker that get `temporaryDirectory`,
    /// a directory of their own, writable besides what `settings` allows (it
    /// names the directory, so it is not kept for others); nil when the
    /// kernel has no Landlock.
    /// - Throws: as ``ruleset(for:)``.
    public static func ruleset(for settings: SandboxSettings, temporaryDirectory: String) throws(SandboxError) -> LandlockRuleset? {
        guard let rules = try rules(for: settings, privateMounts: false, temporaryDirectory: temporaryDirectory) else { return nil }
        return try build(rules)
    }

    private static func build(_ rules: LandlockRules) throws(SandboxError) -> LandlockRuleset {
        let descriptor = clandlock_create_ruleset(rules.handled)
        guard descriptor >= 0 else { throw .landlock("landlock_create_ruleset: \(String(cString: strerror(errno)))") }
        let ruleset = LandlockRuleset(descriptor: descriptor)
        for rule in rules.rules where clandlock_allow_beneath(descriptor, rule.path, rule.rights) != 0 {
            if errno == ENOENT || errno == EACCES {
                if rule.optional { continue }
                throw .missingPath(rule.path)
            }
            throw .landlock("\(rule.path): \(String(cString: strerror(errno)))")
        }
        return ruleset
    }

    /// The paths beneath which everything but `hidden` lies: starting from
    /// `/`, every directory that holds a hidden path is replaced by its
    /// entries, but the hidden path itself.
    /// - Throws: ``SandboxError/missingPath(_:)`` for a hidden path that does not exist.
    static func readable(around hidden: [String]) throws(SandboxError) -> [String] {
        let hidden = hidden.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        var roots = ["/"]
        var changed = true
        while changed {
            changed = false
            var next: [String] = []
            for root in roots {
                let prefix = root == "/" ? "/" : root + "/"
                if hidden.contains(root) { changed = true; continue }
                guard hidden.contains(where: { $0.hasPrefix(prefix) }) else {
                    next.append(root)
                    continue
                }
                changed = true
                guard let entries = directoryEntries(root) else { throw .missingPath(root) }
                next += entries.map { prefix + $0 }
            }
            roots = next
        }
        return roots.sorted()
    }

    private static func directoryEntries(_ path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
