import Foundation

/// The system's processes, as /proc shows them: what the tests of handlers
/// check to see that no process of an attempt outlived it.
public enum ProcessTable {
    /// The processes of process group `group` that are not zombies. A zombie
    /// has released everything but its pid, and reaping an orphan's is init's job.
    public static func liveMembers(ofGroup group: Int32) -> [Int32] {
        processes().filter { pid in
            guard let status = status(of: pid) else { return false }
            return status.group == group && status.state != "Z"
        }
    }

    /// The live processes whose command line (`/proc/<pid>/cmdline`, its
    /// arguments joined by spaces) contains `text`; zombies have none.
    public static func liveProcesses(withArgument text: String) -> [Int32] {
        processes().filter { pid in
            guard let status = status(of: pid), status.state != "Z",
                let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            else { return false }
            let line = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return line.contains(text)
        }
    }

    /// The children of `parent`, zombies included.
    public static func children(of parent: Int32) -> [Int32] {
        processes().filter { status(of: $0)?.parent == parent }
    }

    /// Whether `/proc` has an entry for `pid`, zombie or not.
    public static func exists(_ pid: Int32) -> Bool {
        FileManager.default.fileExists(atPath: "/proc/\(pid)")
    }

    /// Whether group `group` has no live process left within `timeout`: the
    /// processes a handler left behind are killed, but take a moment to die.
    public static func groupEnds(_ group: Int32, within timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !liveMembers(ofGroup: group).isEmpty {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// The pids of all processes.
    private static func processes() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }

    /// The state letter, parent and process group of `pid`, from
    /// `/proc/<pid>/stat`: they follow the command name in parentheses (which
    /// may hold anything, so the last `)` ends it). `nil` once `pid` is gone.
    private static func status(of pid: Int32) -> (state: Substring, parent: Int32, group: Int32)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 2, let parent = Int32(fields[1]), let group = Int32(fields[2]) else { return nil }
        return (fields[0], parent, group)
    }
}
