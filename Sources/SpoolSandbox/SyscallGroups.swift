/// systemd's system call groups (`@system-service`, `@privileged`, ...), as
/// systemd defines them (`systemd-analyze syscall-filter`), so that a queue
/// file's `SystemCallFilter=` means what it means in a unit.
public struct SyscallGroups: Sendable {
    /// Each group's members: system call names and other `@groups`.
    let members: [String: [String]]

    /// The groups listed in `text`, `systemd-analyze syscall-filter`'s output:
    /// a `@group` line, `#` comments, then its members indented, one per line.
    public init(parsing text: String) {
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

    /// systemd's groups, as `systemd-analyze syscall-filter` defines them
    /// (the table scripts/syscall-groups writes; a test checks that it
    /// matches the installed systemd).
    public static let systemd = SyscallGroups(parsing: systemdTable)
}
