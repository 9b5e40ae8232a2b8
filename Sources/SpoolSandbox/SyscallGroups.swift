import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// systemd's system call groups (`@system-service`, `@privileged`, ...), as
/// the installed systemd defines them: read from `systemd-analyze
/// syscall-filter`, so that a queue file's `SystemCallFilter=` means what it
/// means in a unit on the same machine.
public struct SyscallGroups: Sendable {
    /// Each group's members: system call names and other `@groups`.
    let members: [String: [String]]

    /// The groups listed in `text`, `systemd-analyze syscall-filter`'s output:
    /// a `@group` line, `#` comments, then its members indented, one per line.
    init(parsing text: String) {
        var members: [String: [String]] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                if trimmed.isEmpty { current = nil }
                continue
            }
            if trimmed.count == line.count, trimmed.hasPrefix("@") {
                current = String(trimmed)
                members[String(trimmed)] = []
            } else if let group = current {
                members[group, default: []].append(String(trimmed))
            }
        }
        self.members = members
    }

    /// The system calls `item` names: itself, or every member of the group,
    /// groups expanded.
    /// - Throws: ``SandboxError/unknownGroup(_:)`` for a group systemd does not know.
    public func systemCalls(_ item: String) throws(SandboxError) -> Set<String> {
        guard item.hasPrefix("@") else { return [item] }
        var seen: Set<String> = []
        var calls: Set<String> = []
        var pending = [item]
        while let group = pending.popLast() {
            guard seen.insert(group).inserted else { continue }
            guard let list = members[group] else { throw .unknownGroup(group) }
            for member in list {
                if member.hasPrefix("@") { pending.append(member) } else { calls.insert(member) }
            }
        }
        return calls
    }

    /// The installed systemd's groups, read once per process.
    /// - Throws: ``SandboxError/noSystemdAnalyze(_:)`` when `systemd-analyze` cannot be run.
    public static func installed() throws(SandboxError) -> SyscallGroups {
        let result = cache.withLock { cached -> Result<SyscallGroups, SandboxError> in
            if let cached { return cached }
            let loaded = load()
            cached = loaded
            return loaded
        }
        return try result.get()
    }

    private static let cache = Mutex<Result<SyscallGroups, SandboxError>?>(nil)

    private static func load() -> Result<SyscallGroups, SandboxError> {
        guard let pipe = popen("/usr/bin/systemd-analyze syscall-filter 2>/dev/null", "r") else {
            return .failure(.noSystemdAnalyze("popen failed with errno \(errno)"))
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        let status = pclose(pipe)
        guard status == 0 else { return .failure(.noSystemdAnalyze("systemd-analyze syscall-filter exited with status \(status)")) }
        let groups = SyscallGroups(parsing: String(decoding: bytes, as: UTF8.self))
        guard groups.members["@system-service"] != nil else {
            return .failure(.noSystemdAnalyze("systemd-analyze syscall-filter listed no @system-service"))
        }
        return .success(groups)
    }
}
