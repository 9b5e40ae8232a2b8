import CLandlock
import ProcessSupervisor
import SpoolQueueFiles
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A queue's file system rules as a Landlock ruleset: every write right the
/// kernel knows is denied but beneath `ReadWritePaths=` (and the devices
/// every handler may write). Built once per distinct sandbox and kept; each
/// handler enforces it on itself before execve, without privileges.
public enum FileSystemRules {
    /// The kernel's Landlock ABI version; 0 when it has none (then the file
    /// system is not restricted, and `spoolctl sandbox` says so).
    public static let abi = Int(clandlock_abi())

    private static let cache = Mutex<[[String]: LandlockRuleset]>([:])

    /// The ruleset for `settings`; nil when the kernel has no Landlock.
    /// - Throws: ``SandboxError/missingPath(_:)`` for a writable path that
    ///   does not exist, ``SandboxError/landlock(_:)`` when the kernel refuses.
    public static func ruleset(for settings: SandboxSettings) throws(SandboxError) -> LandlockRuleset? {
        guard abi > 0 else { return nil }
        let writable = settings.readWritePaths
        if let cached = cache.withLock({ $0[writable] }) { return cached }
        let rights = clandlock_write_rights(Int32(abi))
        let descriptor = clandlock_create_ruleset(rights)
        guard descriptor >= 0 else { throw .landlock("landlock_create_ruleset: \(String(cString: strerror(errno)))") }
        let ruleset = LandlockRuleset(descriptor: descriptor)
        for word in SandboxSettings.alwaysWritable.map({ "-" + $0 }) + writable {
            let optional = word.hasPrefix("-")
            let path = optional ? String(word.dropFirst()) : word
            guard clandlock_allow_beneath(descriptor, path, rights) == 0 else {
                if errno == ENOENT {
                    if optional { continue }
                    throw .missingPath(path)
                }
                throw .landlock("\(path): \(String(cString: strerror(errno)))")
            }
        }
        cache.withLock { $0[writable] = ruleset }
        return ruleset
    }
}
