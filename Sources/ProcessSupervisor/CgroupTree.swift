import Glibc
import Synchronization

/// Where this process makes its handlers' cgroups: a directory
/// `handlers.PID` beneath its own cgroup, on the unified hierarchy (cgroup
/// v2) or on each controller's hierarchy (v1).
///
/// Its own cgroup must be writable by it: spoold's unit delegates it with
/// `Delegate=` (v2), or spoold runs as root. On v2 a cgroup that has
/// controllers enabled for its children may hold no process itself, so the
/// tree first moves this process (and any handler started before) into a
/// leaf beside it, `supervisor`, as a delegated service is expected to.
public final class CgroupTree: Sendable {
    /// How the tree is laid out.
    enum Layout: Sendable {
        /// cgroup v2: the tree's directory; every handler cgroup has the controllers enabled there.
        case unified(directory: String, controllers: Set<CgroupController>)
        /// cgroup v1: the tree's directory in each controller's hierarchy.
        case legacy(directories: [CgroupController: String])

        var isUnified: Bool {
            if case .unified = self { true } else { false }
        }
    }

    let layout: Layout
    /// Why each controller without a directory has none.
    let missing: [CgroupController: String]
    /// Numbers the handler cgroups, so that their names never repeat.
    private let sequence = Atomic<Int>(0)

    /// This process's tree once set up.
    private static let shared = Mutex<CgroupTree?>(nil)

    /// This process's tree, set up on first use; or why it has none (asked
    /// again next time: the cause may pass).
    public static func forThisProcess() -> Result<CgroupTree, CgroupError> {
        shared.withLock { shared in
            if let made = shared { return .success(made) }
            let made = Result { () throws(CgroupError) in try CgroupTree() }
            shared = try? made.get()
            return made
        }
    }

    /// Removes this process's tree, if it was set up, and every cgroup in it
    /// that holds no process: spoold is stopping, and no handler runs.
    public static func removeThisProcessTree() {
        shared.withLock { shared in
            guard let tree = shared else { return }
            let directories: [String] = switch tree.layout {
            case .unified(let directory, _): [directory]
            case .legacy(let directories): Array(directories.values)
            }
            directories.forEach(removeTree)
            shared = nil
        }
    }

    /// Where the cgroup file systems are mounted.
    static let mountPoint = "/sys/fs/cgroup"

    private init() throws(CgroupError) {
        guard let membership = CgroupFile.read("/proc/self/cgroup") else {
            throw CgroupError("/proc/self/cgroup cannot be read")
        }
        let name = "handlers.\(getpid())"
        // Lines are `ID:CONTROLLERS:PATH`; v2's has no controllers.
        var legacy: [String: (hierarchy: String, path: String)] = [:]
        var unified: String?
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[1].isEmpty {
                unified = String(fields[2])
            } else {
                for controller in fields[1].split(separator: ",") {
                    legacy[String(controller)] = (String(fields[1]), String(fields[2]))
                }
            }
        }
        var missing: [CgroupController: String] = [:]
        if CgroupController.allCases.contains(where: { legacy[$0.rawValue] != nil }) {
            var directories: [CgroupController: String] = [:]
            for controller in CgroupController.allCases {
                guard let (hierarchy, path) = legacy[controller.rawValue] else {
                    missing[controller] = "the kernel has no \(controller.rawValue) controller"
                    continue
                }
                // A co-mounted hierarchy (cpu,cpuacct) has a link by each name.
                let candidates = [controller.rawValue, hierarchy].map { "\(Self.mountPoint)/\($0)" }
                let mount = candidates.first { (candidate: String) in access(candidate, F_OK) == 0 } ?? candidates[1]
                let own = Self.join(mount, path)
                do throws(CgroupError) {
                    Self.removeStaleTrees(in: own)
                    try CgroupFile.makeDirectory("\(own)/\(name)")
                    directories[controller] = "\(own)/\(name)"
                } catch {
                    missing[controller] = "no writable \(controller.rawValue) cgroup: \(error)"
                }
            }
            layout = .legacy(directories: directories)
        } else if let unified {
            let own = Self.join(Self.mountPoint, unified)
            let available = Set((CgroupFile.read("\(own)/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).compactMap {
                CgroupController(rawValue: String($0))
            })
            for controller in CgroupController.allCases where !available.contains(controller) {
                missing[controller] = "the \(controller.rawValue) controller is not delegated to \(own)"
            }
            try Self.moveOwnProcesses(of: own, into: "\(own)/supervisor")
            let enable = available.map { "+\($0.rawValue)" }.sorted().joined(separator: " ")
            do throws(CgroupError) {
                if !enable.isEmpty { try CgroupFile.write(enable, to: "\(own)/cgroup.subtree_control") }
            } catch {
                throw CgroupError(
                    "\(error) (spoold must have a cgroup of its own, such as a service's with Delegate=, "
                        + "not share one with other processes)")
            }
            Self.removeStaleTrees(in: own)
            try CgroupFile.makeDirectory("\(own)/\(name)")
            if !enable.isEmpty { try CgroupFile.write(enable, to: "\(own)/\(name)/cgroup.subtree_control") }
            layout = .unified(directory: "\(own)/\(name)", controllers: available)
        } else {
            throw CgroupError("/proc/self/cgroup names no cgroup hierarchy")
        }
        self.missing = missing
    }

    /// A new cgroup for the handlers of one worker of `tube`, named after it.
    /// - Throws: when it cannot be made where a controller is available.
    public func makeGroup(for tube: String) throws(CgroupError) -> HandlerCgroup {
        let number = sequence.wrappingAdd(1, ordering: .relaxed).newValue
        // A tube name may hold a slash, which no directory name can.
        let name = "\(number)-" + tube.split(separator: "/", omittingEmptySubsequences: false).joined(separator: "%2F")
        var made: [CgroupController: String] = [:]
        var missing = missing
        switch layout {
        case .unified(let directory, let controllers):
            let path = "\(directory)/\(name)"
            try CgroupFile.makeDirectory(path, fresh: true)
            for controller in controllers { made[controller] = path }
        case .legacy(let directories):
            for (controller, directory) in directories {
                do throws(CgroupError) {
                    try CgroupFile.makeDirectory("\(directory)/\(name)", fresh: true)
                    made[controller] = "\(directory)/\(name)"
                } catch {
                    missing[controller] = "\(error)"
                }
            }
        }
        do throws(CgroupError) {
            return try HandlerCgroup(directories: made, isUnified: layout.isUnified, missing: missing)
        } catch {
            for directory in Set(made.values) { rmdir(directory) }
            throw error
        }
    }

    /// `path` (from /proc/self/cgroup, absolute) beneath `mount`.
    private static func join(_ mount: String, _ path: String) -> String {
        path == "/" ? mount : mount + path
    }

    /// Moves this process and its children (handlers started before) from
    /// `cgroup` into `leaf`: v2 lets only a cgroup without processes enable
    /// controllers for its children. Any other process there (spoold started
    /// from a login shell, not as a service of its own) stays, and enabling
    /// the controllers then fails with that explanation.
    private static func moveOwnProcesses(of cgroup: String, into leaf: String) throws(CgroupError) {
        try CgroupFile.makeDirectory(leaf)
        let own = getpid()
        guard let processes = CgroupFile.processes("\(cgroup)/cgroup.procs") else {
            throw CgroupError("\(cgroup)/cgroup.procs cannot be read")
        }
        for process in processes where process == own || parent(of: process) == own {
            do throws(CgroupError) {
                try CgroupFile.write("\(process)", to: "\(leaf)/cgroup.procs")
            } catch {
                // A child that exited meanwhile is no error.
                guard process != own, kill(process, 0) != 0, errno == ESRCH else { throw error }
            }
        }
    }

    /// The parent of `process`, from /proc; nil when it is gone.
    private static func parent(of process: pid_t) -> pid_t? {
        guard let stat = CgroupFile.read("/proc/\(process)/stat"),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // After the command's closing parenthesis: state, then the parent.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// Removes the trees of processes that are gone (a spoold killed with
    /// SIGKILL leaves its tree behind), where they hold no process.
    private static func removeStaleTrees(in cgroup: String) {
        for entry in CgroupFile.entries(cgroup) where entry.hasPrefix("handlers.") {
            // Also this process's own name, left by an earlier process that
            // had the same pid (in a container): nothing of it is reused.
            guard let pid = pid_t(entry.dropFirst("handlers.".count)),
                pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH)
            else { continue }
            removeTree("\(cgroup)/\(entry)")
        }
    }

    /// Removes the tree at `path` and the cgroups in it, as far as they hold no process.
    private static func removeTree(_ path: String) {
        for group in CgroupFile.entries(path) { rmdir("\(path)/\(group)") }
        rmdir(path)
    }
}
