import NIOCore
import SpoolCore
import SpoolProtocol

/// Executes protocol commands against the engine and turns the results into
/// beanstalkd's replies. Lives on the engine's event loop.
final class CommandDispatcher {
    typealias Outcome = Execution.Outcome

    let engine: Engine
    let configuration: HostConfiguration
    private(set) var counters = CommandCounters()
    private let identity = ProcessIdentity()
    private let startedAt: Int64

    init(engine: Engine, configuration: HostConfiguration) {
        self.engine = engine
        self.configuration = configuration
        startedAt = engine.clock.now
    }

    /// A put's command line arrived: it counts as a put, and for a body that
    /// fits the job's id is taken and the session becomes a producer, before
    /// the body arrives, as in beanstalkd.
    func startPut(session: Session, bodyFits: Bool) {
        counters.count(.put)
        if bodyFits { engine.startPut(session) }
    }

    /// The put begun by ``startPut(session:bodyFits:)`` ended without a job
    /// (`EXPECTED_CRLF`); its id stays used, as in beanstalkd.
    func abandonPut(session: Session) {
        engine.abandonPut(session)
    }

    /// A `pause-tube` answered `BAD_FORMAT` still counts, as in beanstalkd.
    func countMalformedPauseTube() {
        counters.count(.pauseTube)
    }

    /// Executes one command for a session.
    func execute(_ command: Command, session: Session) -> Outcome {
        if let kind = CommandCounters.Kind(command) { counters.count(kind) }
        let condition = engine.store.condition
        // Healthy refuses nothing: the change a command makes is worked out only when it matters.
        if condition != .healthy, StorePolicy.refuses(StorePolicy.change(of: command, in: engine), under: condition) {
            return .reply(.word(StorePolicy.reply(for: command)))
        }
        switch command {
        case .put(let priority, let delay, let ttr, let body):
            switch engine.put(session, priority: priority, delay: delay, ttr: ttr, body: body) {
            case .inserted(let id): return .reply(.inserted(id))
            case .draining: return .reply(.word(.draining))
            case .full: return .reply(.word(.outOfMemory))
            case .waiting: return .wait
            }
        case .use(let tube):
            engine.use(session, tube: tube)
            return .reply(.using(tube))
        case .reserve:
            return reserve(session, timeout: nil)
        case .reserveWithTimeout(let seconds):
            return reserve(session, timeout: seconds < 0 ? nil : Int64(seconds) * 1_000_000_000)
        case .reserveJob(let id):
            return .reply(engine.reserveJob(session, id: id).map { .reserved(id: $0.id, body: $0.body) } ?? .word(.notFound))
        case .delete(let id):
            return .reply(engine.delete(session, id: id) ? .word(.deleted) : .word(.notFound))
        case .release(let id, let priority, let delay):
            return .reply(engine.release(session, id: id, priority: priority, delay: delay) ? .word(.released) : .word(.notFound))
        case .bury(let id, let priority):
            return .reply(engine.bury(session, id: id, priority: priority) ? .word(.buried) : .word(.notFound))
        case .touch(let id):
            return .reply(engine.touch(session, id: id) ? .word(.touched) : .word(.notFound))
        case .watch(let tube):
            return .reply(.watching(engine.watch(session, tube: tube)))
        case .ignore(let tube):
            switch engine.ignore(session, tube: tube) {
            case .watching(let count): return .reply(.watching(count))
            case .notIgnored: return .reply(.word(.notIgnored))
            }
        case .peek(let id):
            return found(engine.peek(id: id))
        case .peekReady:
            return found(engine.peek(session, .ready))
        case .peekDelayed:
            return found(engine.peek(session, .delayed))
        case .peekBuried:
            return found(engine.peek(session, .buried))
        case .kick(let bound):
            return .reply(.kicked(engine.kick(session, bound: bound)))
        case .kickJob(let id):
            return .reply(engine.kickJob(id: id) ? .word(.kicked) : .word(.notFound))
        case .statsJob(let id):
            return .reply(engine.jobStats(id).map { .ok(StatsDocuments.document($0).buffer) } ?? .word(.notFound))
        case .statsTube(let tube):
            return .reply(engine.tubeStats(tube).map { .ok(StatsDocuments.document($0).buffer) } ?? .word(.notFound))
        case .stats:
            return .reply(.ok(serverStats().buffer))
        case .listTubes:
            return .reply(.ok(YAMLDocument.list(engine.tubeNames).buffer))
        case .listTubeUsed:
            return .reply(.using(session.usedTube))
        case .listTubesWatched:
            return .reply(.ok(YAMLDocument.list(session.watchedTubes).buffer))
        case .pauseTube(let tube, let delay):
            return .reply(engine.pauseTube(tube, seconds: delay) ? .word(.paused) : .word(.notFound))
        case .quit:
            return .close
        }
    }

    private func reserve(_ session: Session, timeout: Int64?) -> Outcome {
        engine.reserve(session, timeout: timeout).map { .reply(Self.reply(for: $0)) } ?? .wait
    }

    private func found(_ job: ReservedJob?) -> Outcome {
        .reply(job.map { .found(id: $0.id, body: $0.body) } ?? .word(.notFound))
    }

    /// The reply for the outcome of a reserve.
    static func reply(for outcome: ReserveOutcome) -> Reply {
        switch outcome {
        case .reserved(let job): return .reserved(id: job.id, body: job.body)
        case .deadlineSoon: return .word(.deadlineSoon)
        case .timedOut: return .word(.timedOut)
        }
    }

    private func serverStats() -> YAMLDocument {
        StatsDocuments.server(
            engine.stats, counters: counters, configuration: configuration, identity: identity,
            uptime: (engine.clock.now - startedAt) / 1_000_000_000)
    }
}
