import Glibc

/// One attempt: a handler (a program given by a ``HandlerCommand``) run as an
/// isolated process.
///
/// The handler starts in a process group of its own, with `no_new_privs`, the
/// command's resource limits, user and group, working directory and nothing
/// but its environment and standard streams: the caller's input on its standard
/// input, its standard output and error captured up to ``outputLimit`` bytes
/// each. Past ``timeout`` its whole process group gets `SIGTERM`, then
/// `SIGKILL` after ``killGracePeriod``; when the handler exits, what is left of
/// its group is killed and the handler is reaped, so no process of the attempt
/// outlives it unless it left the group.
///
/// Everything that blocks, from looking up the user to reaping the handler,
/// happens on a thread of its own per attempt (see ``run(input:)``).
public struct HandlerProcess: Sendable {
    /// What to run.
    public let command: HandlerCommand
    /// How long the handler may run before its process group gets `SIGTERM`.
    public let timeout: Duration
    /// How long after `SIGTERM` the process group gets `SIGKILL`.
    public let killGracePeriod: Duration
    /// The most bytes kept of each of the handler's standard output and error;
    /// the rest is counted and dropped.
    public let outputLimit: Int
    /// The cgroup the handler runs in, with the command's ``HandlerCommand/cgroupLimits``;
    /// nil: spoold's own.
    public let cgroup: HandlerCgroup?

    /// An attempt at running `command`, in `cgroup` when one is given: the
    /// handler joins it before it execs, and whatever is left in it when the
    /// handler ends is killed.
    /// - Precondition: `timeout` and `killGracePeriod` are not negative, nor is `outputLimit`.
    public init(
        command: HandlerCommand, cgroup: HandlerCgroup? = nil, timeout: Duration, killGracePeriod: Duration = .seconds(5),
        outputLimit: Int = 64 << 10
    ) {
        precondition(timeout >= .zero && killGracePeriod >= .zero, "timeouts cannot be negative")
        precondition(outputLimit >= 0, "the output limit cannot be negative")
        self.command = command
        self.cgroup = cgroup
        self.timeout = timeout
        self.killGracePeriod = killGracePeriod
        self.outputLimit = outputLimit
    }

    /// Runs the handler with `input` on its standard input, to its end.
    ///
    /// The attempt runs on a new thread that ends with it: the calling task is
    /// suspended meanwhile, and no thread of the cooperative pool blocks.
    /// Cancelling the task stops the handler as a timeout would (its process
    /// group gets `SIGTERM`, then `SIGKILL`), and the attempt ends
    /// ``AttemptOutcome/stopped``, unless the handler had ended on its own by then.
    /// - Returns: how the attempt ended, never an error: a handler that could
    ///   not start is ``AttemptOutcome/failedToStart(_:)``.
    public func run(input: [UInt8]) async -> AttemptResult {
        let started = ContinuousClock.now
        let stop = StopSignal()
        defer { stop.close() }
        return await withTaskCancellationHandler {
            do throws(StartFailure) {
                return try await DedicatedThread.run { runOnThisThread(input: input, started: started, stop: stop) }
            } catch {
                return Self.failure(error, started: started)
            }
        } onCancel: {
            stop.raise()
        }
    }

    /// The attempt, blocking the calling thread, which must be dedicated to it.
    private func runOnThisThread(input: [UInt8], started: ContinuousClock.Instant, stop: StopSignal) -> AttemptResult {
        do throws(StartFailure) {
            let account = try HandlerAccount(user: command.user, group: command.group)
            var before = CgroupEvents()
            if cgroup == nil && !command.cgroupLimits.isEmpty {
                throw StartFailure("\(command.cgroupLimits.keys) cannot be enforced: no cgroup was given")
            }
            if let cgroup {
                do throws(CgroupError) {
                    try cgroup.apply(command.cgroupLimits)
                } catch {
                    throw StartFailure(error.description)
                }
                before = cgroup.events(for: command.cgroupLimits)
            }
            let handler = try RunningHandler.start(
                command, as: account, body: input, outputLimit: outputLimit, cgroupProcs: cgroup?.procsDescriptors(for: command.cgroupLimits) ?? [])
            let (outcome, reaped) = handler.supervise(timeout: timeout, killGracePeriod: killGracePeriod, stop: stop)
            var events = CgroupEvents()
            if let cgroup {
                cgroup.killRemaining(for: command.cgroupLimits)
                events = cgroup.events(for: command.cgroupLimits).since(before)
            }
            return AttemptResult(
                outcome: outcome, standardOutput: handler.standardOutput, standardError: handler.standardError,
                duration: reaped - started, cgroupEvents: events)
        } catch {
            return Self.failure(error, started: started)
        }
    }

    private static func failure(_ failure: StartFailure, started: ContinuousClock.Instant) -> AttemptResult {
        var result = AttemptResult(
            outcome: .failedToStart(failure.reason), standardOutput: CapturedOutput(), standardError: CapturedOutput(),
            duration: .now - started)
        result.temporaryDirectoryFailed = failure.temporaryDirectory
        return result
    }
}
