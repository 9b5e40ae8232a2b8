#if canImport(Glibc)
import Glibc
#endif

/// The system's user and group databases (through NSS, so LDAP and the like
/// work), read with the reentrant lookups: `getpwnam_r`, `getpwuid_r`,
/// `getgrnam_r` and their kind, safe while other threads look up too.
public enum AccountDatabase {
    /// What `value` takes from the entry that `find` looks up, or nil when
    /// there is no such entry. `find` is one reentrant lookup with its key
    /// bound, given the entry to fill, the buffer for its strings, the
    /// buffer's size and where to put the result; the buffer grows (up to
    /// 1 MiB) while the lookup answers `ERANGE`, as a group with a long
    /// member list needs.
    /// - Throws: ``AccountLookupError`` with the lookup's error number.
    public static func lookUp<Entry, Value>(
        _ find: (
            UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
        ) -> Int32,
        _ value: (Entry) -> Value
    ) throws(AccountLookupError) -> Value? {
        let entry = UnsafeMutablePointer<Entry>.allocate(capacity: 1)
        defer { entry.deallocate() }
        var capacity = 1024
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            var found: UnsafeMutablePointer<Entry>?
            let code = find(entry, &buffer, capacity, &found)
            if code == ERANGE, capacity < 1 << 20 {
                capacity *= 4
                continue
            }
            guard code == 0 else { throw AccountLookupError(code: code) }
            // `value` runs while the buffer that holds the entry's strings lives.
            return found.map { value($0.pointee) }
        }
    }
}

/// A user or group lookup that failed (not one that found no entry).
public struct AccountLookupError: Error, Sendable {
    /// The lookup's error number (`errno` values such as `EIO`).
    public let code: Int32

    /// Wraps the error number `code`.
    public init(code: Int32) {
        self.code = code
    }
}
