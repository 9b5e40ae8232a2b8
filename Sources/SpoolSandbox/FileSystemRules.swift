import CLandlock
import ProcessSupervisor
import SpoolQueueFiles
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A queue's file system rules as a Landlock ruleset: every write right the
/// kernel knows is denied but beneath `ReadWritePaths=` (and the devices
/// every handler may write); with `InaccessiblePaths=` (or `PrivateTmp=`),
/// reading is denied too but beneath the siblings of every directory on the
/// way to each inaccessible path, as listed when the ruleset is built.
/// Landlock only allows, so hiding a path means allowing everything beside
/// it. Built once per distinct sandbox and kept; each handler enforces it on
/// itself before execve, without privileges.
public enum FileSystemRules {
    /// The kernel's Landlock ABI version; 0 when it has none (then the file
    /// system is not restricted, and `spoolctl sandbox` says so).
    public static let abi = Int(clandlock_abi())

    private struct Key: Hashable {
        let writable: [String]
        let hidden: [String]
    }

    private static let cache = Mutex<[Key: LandlockRuleset]>([:])

    /// The ruleset for `settings`; nil when the kernel has no Landlock.
    /// - Throws: ``SandboxError/missingPath(_:)`` for a writable path that
    ///   does not exist, ``SandboxError/landlock(_:)`` when the kernel refuses.
    public static func ruleset(for settings: SandboxSettings) throws(SandboxError) -> LandlockRuleset? {
        guard abi > 0 else { return nil }
        let key = Key(writable: settings.readWritePaths, hidden: settings.effectiveInaccessiblePaths)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let hidden = key.hidden.compactMap { word -> String? in
            let path = word.hasPrefix("-") ? String(word.dropFirst()) : word
            return access(path, F_OK) == 0 || !word.hasPrefix("-") ? path : nil
        }
        let write = clandlock_write_rights(Int32(abi))
        let read = hidden.isEmpty ? 0 : clandlock_read_rights()
        let descriptor = clandlock_create_ruleset(write | read)
        guard descriptor >= 0 else { throw .landlock("landlock_create_ruleset: \(String(cString: strerror(errno)))") }
        let ruleset = LandlockRuleset(descriptor: descriptor)
        for word in SandboxSettings.alwaysWritable.map({ "-" + $0 }) + key.writable {
            try allow(word, write | read, in: descriptor)
        }
        if !hidden.isEmpty {
            for path in try readable(around: hidden) { try allow("-" + path, read, in: descriptor) }
        }
        cache.withLock { $0[key] = ruleset }
        return ruleset
    }

    /// Allows `rights` beneath `word`'s path; a missing path is skipped when
    /// `word` starts with `-`.
    private static func allow(_ word: String, _ rights: UInt64, in descriptor: Int32) throws(SandboxError) {
        let optional = word.hasPrefix("-")
        let path = optional ? String(word.dropFirst()) : word
        guard clandlock_allow_beneath(descriptor, path, rights) == 0 else {
            if errno == ENOENT || errno == EACCES {
                if optional { return }
                throw .missingPath(path)
            }
            throw .landlock("\(path): \(String(cString: strerror(errno)))")
        }
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
