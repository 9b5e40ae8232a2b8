import CSpawn
import DurationConversions
import Glibc

/// A started handler, seen from the supervisor: collects its output, enforces its
/// timeout and reaps it. Its standard input is a sealed file that holds the
/// whole body before it starts. It blocks in poll(2), so it runs
/// on a thread of its own (see ``DedicatedThread``).
final class RunningHandler {
    /// Where an attempt is: running, past its timeout, or over.
    private enum Phase {
        /// Running until `deadline`.
        case running(deadline: ContinuousClock.Instant)
        /// Past the timeout: the group got SIGTERM and gets SIGKILL at `killAt`.
        case terminating(killAt: ContinuousClock.Instant)
        /// The group got SIGKILL; waiting for the handler to die.
        case killed
        /// The handler was reaped with `status` at `reaped`; the rest of its output is being read.
        case exited(status: Int32, reaped: ContinuousClock.Instant)
    }

    /// How long output may still arrive once the handler is reaped and its group
    /// killed. The pipes normally reach end of file at once; only a process that
    /// left the group (setsid) can hold them open, and it must not hold the attempt.
    private static let drainPeriod = Duration.seconds(1)

    /// The handler's pid, also its process group's id.
    private let pid: pid_t
    /// Readable once the handler has exited: its exit is seen even while
    /// processes it started keep its output pipes open.
    private let pidfd: Int32
    private var output: OutputCollector
    private var errors: OutputCollector

    private init(pid: pid_t, pidfd: Int32, output: OutputCollector, errors: OutputCollector) {
        self.pid = pid
        self.pidfd = pidfd
        self.output = output
        self.errors = errors
    }

    /// Starts `command` as `account` with `body` as its standard input (a
    /// sealed memfd, complete before the handler starts: a handler never sees
    /// part of a body, even when the supervisor dies as it starts), each of its output
    /// streams kept up to `outputLimit` bytes, after it has written itself
    /// into the `cgroup.procs` files open as `cgroupProcs`.
    /// - Throws: why the handler could not start; then nothing is left running or open.
    static func start(
        _ command: HandlerCommand, as account: HandlerAccount, body: [UInt8], outputLimit: Int, cgroupProcs: [Int32]
    ) throws(StartFailure) -> RunningHandler {
        var handlerEnds: [Int32] = []
        var ownEnds: [Int32] = []
        var started = false
        defer {
            // The handler has its copies; closing ours lets spoold see end of
            // file on the output pipes when the handler's side is gone.
            for end in handlerEnds { close(end) }
            if !started { for end in ownEnds { close(end) } }
        }
        let stdin = body.withUnsafeBytes { cspawn_sealed_file($0.baseAddress, $0.count) }
        guard stdin >= 0 else { throw StartFailure(call: "memfd_create", error: errno) }
        handlerEnds.append(stdin)
        let stdout = try UnixPipe()
        handlerEnds.append(stdout.writeEnd)
        ownEnds.append(stdout.readEnd)
        let stderr = try UnixPipe()
        handlerEnds.append(stderr.writeEnd)
        ownEnds.append(stderr.readEnd)
        for end in ownEnds {
            guard fcntl(end, F_SETFL, O_NONBLOCK) == 0 else {
                throw StartFailure(call: "fcntl(O_NONBLOCK)", error: errno)
            }
        }
        let (pid, pidfd) = try spawn(
            command, as: account, stdin: stdin, stdout: stdout.writeEnd, stderr: stderr.writeEnd, cgroupProcs: cgroupProcs)
        started = true
        return RunningHandler(
            pid: pid, pidfd: pidfd,
            output: OutputCollector(descriptor: stdout.readEnd, limit: outputLimit),
            errors: OutputCollector(descriptor: stderr.readEnd, limit: outputLimit))
    }

    /// What the handler wrote to its standard output.
    var standardOutput: CapturedOutput { output.captured }
    /// What the handler wrote to its standard error.
    var standardError: CapturedOutput { errors.captured }

    /// Runs the attempt to its end: reads the output, and past
    /// `timeout`, or once `stop` is raised, sends the process group SIGTERM,
    /// then SIGKILL after `killGracePeriod`. When the handler exits, whatever
    /// is left of its process group is killed and the handler is reaped. Call once.
    /// - Returns: how the attempt ended, and when the handler was reaped.
    func supervise(timeout: Duration, killGracePeriod: Duration, stop: StopSignal) -> (
        outcome: AttemptOutcome, reaped: ContinuousClock.Instant
    ) {
        var phase = Phase.running(deadline: .now + timeout)
        var timedOut = false
        var stopped = false
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let now = ContinuousClock.now
            let wake: ContinuousClock.Instant?
            switch phase {
            case .running(let deadline) where now >= deadline:
                timedOut = true
                kill(-pid, SIGTERM)
                phase = .terminating(killAt: now + killGracePeriod)
                wake = now + killGracePeriod
            case .running(let deadline):
                wake = deadline
            case .terminating(let killAt) where now >= killAt:
                killGroup()
                phase = .killed
                wake = nil
            case .terminating(let killAt):
                wake = killAt
            case .killed:
                wake = nil
            case .exited(let status, let reaped):
                let drained = output.descriptor == nil && errors.descriptor == nil
                if drained || now >= reaped + Self.drainPeriod {
                    output.close()
                    errors.close()
                    close(pidfd)
                    let outcome = stopped ? .stopped : timedOut ? .timedOut : Self.outcome(ofWaitStatus: status)
                    return (outcome, reaped)
                }
                wake = reaped + Self.drainPeriod
            }

            let awaitingExit = if case .exited = phase { false } else { true }
            let running = if case .running = phase { true } else { false }
            let watched: [(descriptor: Int32?, events: Int32)] = [
                (awaitingExit ? pidfd : nil, POLLIN),
                (output.descriptor, POLLIN), (errors.descriptor, POLLIN),
                (running ? stop.pollDescriptor : nil, POLLIN),
            ]
            var descriptors = watched.compactMap { watched in
                watched.descriptor.map { pollfd(fd: $0, events: Int16(watched.events), revents: 0) }
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Self.pollTimeout(until: wake, now: now))
            if ready < 0 {
                // Interrupted, or short of memory for a moment: the deadlines are checked again first.
                precondition(errno == EINTR || errno == ENOMEM, "poll: \(String(cString: strerror(errno)))")
                continue
            }
            for descriptor in descriptors where descriptor.revents != 0 {
                switch descriptor.fd {
                case pidfd: phase = .exited(status: reap(), reaped: .now)
                case output.descriptor: buffer.withUnsafeMutableBytes { output.read(through: $0) }
                case errors.descriptor: buffer.withUnsafeMutableBytes { errors.read(through: $0) }
                case stop.pollDescriptor:
                    // The phase as it is now: the handler may have been reaped
                    // just above, in the same wake-up; then it ended on its own.
                    guard case .running = phase else { break }
                    stopped = true
                    kill(-pid, SIGTERM)
                    phase = .terminating(killAt: .now + killGracePeriod)
                default: break
                }
            }
        }
    }

    /// SIGKILL to the process group, and to the handler in case it left it:
    /// SIGKILL is the step that must end the attempt.
    private func killGroup() {
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
    }

    /// Reaps the handler, which has exited, and returns its wait status.
    private func reap() -> Int32 {
        // While the handler is a zombie its pid still names its process group:
        // whatever it started and left behind goes before the pid can be reused.
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            precondition(errno == EINTR, "waitpid: \(String(cString: strerror(errno)))")
        }
        return status
    }

    /// The outcome a wait status tells, decoded by hand as the `W*` macros do
    /// not reach Swift: the low 7 bits are the terminating signal, or 0 for an
    /// exit whose status is in the next byte.
    private static func outcome(ofWaitStatus status: Int32) -> AttemptOutcome {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    /// poll(2)'s timeout to wait until `instant`, rounded up so as not to wake
    /// early; -1, no timeout, without an instant.
    private static func pollTimeout(until instant: ContinuousClock.Instant?, now: ContinuousClock.Instant) -> Int32 {
        guard let instant else { return -1 }
        return Int32(clamping: max(0, (instant - now).millisecondsRoundedUp))
    }

    /// Forks and execs the handler through CSpawn, its standard streams on the given descriptors.
    private static func spawn(
        _ command: HandlerCommand, as account: HandlerAccount, stdin: Int32, stdout: Int32, stderr: Int32,
        cgroupProcs: [Int32]
    ) throws(StartFailure) -> (pid: pid_t, pidfd: Int32) {
        let environment = command.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let mounts = command.privateMounts?.temporaryFileSystems ?? []
        let rules = command.privateMounts?.landlock?.rules ?? []
        // The mounts' paths and options, then the rules' paths.
        let mountStrings = mounts.flatMap { [$0.path, $0.options] } + rules.map(\.path)
        let directories = [command.workingDirectory] + (command.temporaryDirectory.map { [$0] } ?? [])
        if let string = (command.arguments + environment + directories + mountStrings).first(where: {
            $0.utf8.contains(0)
        }) {
            throw StartFailure("\"\(string)\" contains a NUL byte, which C strings cannot carry")
        }
        let argv = CStringArray(command.arguments)
        let envp = CStringArray(environment)
        // Kept alive until the spawn returns.
        let strings = CStringArray(mountStrings)
        let temporaryDirectory = command.temporaryDirectory.map { CStringArray([$0]) }
        let tmpfs = mounts.indices.map { index in
            cspawn_tmpfs(
                target: strings.pointers[2 * index], options: strings.pointers[2 * index + 1],
                read_only: mounts[index].readOnly, optional: mounts[index].optional)
        }
        let pathRules = rules.indices.map { index in
            cspawn_path_rule(
                path: strings.pointers[2 * mounts.count + index], rights: rules[index].rights, optional: rules[index].optional)
        }
        let limits = command.limits
        // The copies' owners outlive every pointer into them (Swift may end a
        // class instance's life after its last use, before the spawn).
        let result = withExtendedLifetime((argv, envp, strings, temporaryDirectory)) {
        argv.pointers.withUnsafeBufferPointer { argv in
            envp.pointers.withUnsafeBufferPointer { envp in
                command.workingDirectory.withCString { directory in
                    withFilters(command.seccompFilters) { filters in
                        cgroupProcs.withUnsafeBufferPointer { cgroupProcs in
                        tmpfs.withUnsafeBufferPointer { tmpfs in
                        pathRules.withUnsafeBufferPointer { pathRules in
                        var request = cspawn_request(
                            path: argv[0], argv: argv.baseAddress, envp: envp.baseAddress, working_directory: directory,
                            uid: account.userID, gid: account.groupID, stdin_fd: stdin, stdout_fd: stdout,
                            stderr_fd: stderr, address_space: cLimit(limits.addressSpace),
                            open_files: cLimit(limits.openFiles), cpu_seconds: cLimit(limits.cpuSeconds),
                            processes: cLimit(limits.processes), filters: filters.baseAddress, filter_count: filters.count,
                            landlock_ruleset: command.landlock?.descriptor ?? -1, cgroup_procs: cgroupProcs.baseAddress,
                            cgroup_count: cgroupProcs.count, private_mounts: command.privateMounts != nil,
                            user_namespace: command.privateMounts?.userNamespace ?? false,
                            tmpfs: tmpfs.baseAddress, tmpfs_count: tmpfs.count,
                            landlock_handled: command.privateMounts?.landlock?.handled ?? 0,
                            landlock_rules: pathRules.baseAddress, landlock_rule_count: pathRules.count,
                            temporary_directory: temporaryDirectory?.pointers[0])
                        return cspawn(&request)
                        }
                        }
                        }
                    }
                }
            }
        }
        }
        guard result.pid > 0 else {
            let step = String(cString: cspawn_step_name(result.failed_step))
            let index = Int(result.index)
            let call = switch result.failed_step {
            case CSPAWN_STEP_MOUNT where mounts.indices.contains(index): "\(step) on \(mounts[index].path)"
            case CSPAWN_STEP_LANDLOCK_RULE where rules.indices.contains(index): "\(step) for \(rules[index].path)"
            case CSPAWN_STEP_TEMPORARY_DIRECTORY: "\(step) \(command.temporaryDirectory ?? "")"
            default: step
            }
            let emptying = result.failed_step == CSPAWN_STEP_TEMPORARY_DIRECTORY
            switch (emptying, result.error) {
            case (true, ELOOP):
                throw StartFailure(
                    "\(call): what the last attempt left is more than \(CSPAWN_EMPTY_DEPTH) directories deep",
                    temporaryDirectory: true)
            case (true, EMLINK):
                throw StartFailure("\(call): more than \(CSPAWN_EMPTY_ENTRIES) entries", temporaryDirectory: true)
            default:
                throw StartFailure(call: call, error: result.error, temporaryDirectory: emptying)
            }
        }
        return (result.pid, result.pidfd)
    }

    /// `filters` as CSpawn takes them, valid for the duration of `body`.
    private static func withFilters<T>(
        _ filters: [SeccompFilter], _ body: (UnsafeBufferPointer<cspawn_filter>) -> T
    ) -> T {
        guard let first = filters.first else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return first.instructions.withUnsafeBytes { bytes in
            withFilters(Array(filters.dropFirst())) { rest in
                let head = cspawn_filter(instructions: bytes.baseAddress, count: UInt16(first.instructions.count / 8))
                return ([head] + Array(rest)).withUnsafeBufferPointer(body)
            }
        }
    }

    private static func cLimit(_ limit: ResourceLimit?) -> cspawn_limit {
        switch limit {
        case nil: cspawn_limit(is_set: false, value: 0)
        case .unlimited: cspawn_limit(is_set: true, value: .max)
        case .limited(let value): cspawn_limit(is_set: true, value: value)
        }
    }
}
