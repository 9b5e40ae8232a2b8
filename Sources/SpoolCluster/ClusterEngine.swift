import Logging
import NIOCore
import SpoolCore
import SpoolEngineHost
import SpoolProtocol

/// A cluster node's engine: serves the protocol over the jobs in PostgreSQL,
/// on the node's event loop. Puts, deletes and reserves of all connections
/// that arrive while a statement of their kind is in flight go to the
/// database together as one statement (group commit, as the local store
/// does with its journal); everything else is one statement per command.
public final class ClusterEngine: ConnectionEngine {
    public let maxJobSize: Int
    let configuration: HostConfiguration
    public let eventLoop: EventLoop
    let pool: PostgresPool
    let logger: Logger
    /// This node's id; nil while it is not registered (then commands that
    /// need the database answer INTERNAL_ERROR).
    var nodeID: Int32?
    var isDraining = false
    /// Whether reserve passes hand out jobs (the control plane's Start/Stop, for this node).
    var isProcessing = true
    /// Told of every engine event (the control plane's JobBuried).
    var observers: [@Sendable (EngineEvent) -> Void] = []
    /// Completed when the node first registers.
    var firstRegistration: EventLoopPromise<Void>?
    /// Told when the node finds its registration gone without its liveness
    /// connection having noticed: the registration must start again.
    var onRegistrationGone: (() -> Void)?
    private var nextSessionID: Int64 = 0
    private var connections: [Int64: ClusterConnection] = [:]
    private var counters = CommandCounters()
    private var totalConnections = 0
    private var jobTimeouts = 0
    private let identity = ProcessIdentity()
    private let startedAt = NIODeadline.now()

    private struct PendingPut {
        let connection: ClusterConnection
        let tube: String
        let priority: UInt32
        let delay: UInt32
        let ttr: UInt32
        let body: ByteBuffer
    }

    private struct PendingDelete {
        let connection: ClusterConnection
        let id: Int64
    }

    /// The tubes `list-tubes` lists, and `current-tubes` counts: this node's
    /// (`local`, sorted), then those of the database that hold jobs or are
    /// paused.
    private static func listedTubes(_ local: Set<String>, _ db: PostgresConnection) throws(ClusterError) -> [String] {
        let rows = try db.execute(ClusterStatements.tubeNames)
        var names = local.sorted()
        for row in 0..<rows.count where !local.contains(rows.text(row, 0)) { names.append(rows.text(row, 0)) }
        return names
    }

    /// A job a write pass removed, and the session whose delete removed it.
    private struct DeletedJob: Hashable {
        let id: Int64
        let session: Int64
    }

    // One write (the puts and deletes of all connections, one commit) and
    // one reserve pass are in flight at a time; the next forms while they
    // commit. Two writes in flight measured no faster at 16+16
    // (bench/cluster): the node's time goes to the thread hops around each
    // statement and the wake-ups of its clients, not to waiting.
    private var puts: [PendingPut] = []
    private var deletes: [PendingDelete] = []
    private var writeInFlight = false
    /// Connections waiting in a reserve, first come first served.
    private var waiters: [ClusterConnection] = []
    private var reserveInFlight = false
    private var reserveAgain = false
    /// What `spool_nodes.waiting_tubes` says for this node.
    private var advertised: [String] = []
    /// The next pass sets the advertisement to the tubes waited on now.
    private var shrinkDue = false

    init(pool: PostgresPool, configuration: HostConfiguration, eventLoop: EventLoop, logger: Logger) {
        self.pool = pool
        self.configuration = configuration
        self.maxJobSize = configuration.maxJobSize
        self.eventLoop = eventLoop
        self.logger = logger
    }

    public func connect(_ delegate: EngineConnectionDelegate) -> EngineConnection {
        totalConnections += 1
        return open(delegate, isInternal: false)
    }

    /// Opens a connection: a client's, or a pool worker's (`isInternal`).
    func open(_ delegate: EngineConnectionDelegate, isInternal: Bool) -> ClusterConnection {
        nextSessionID += 1
        let connection = ClusterConnection(sessionID: nextSessionID, engine: self, delegate: delegate, isInternal: isInternal)
        connections[connection.sessionID] = connection
        return connection
    }

    /// The clients' connections (not the pool's workers).
    private var clients: some Collection<ClusterConnection> { connections.values.lazy.filter { !$0.isInternal } }

    // MARK: Counts

    func countPut() { counters.count(.put) }
    func countMalformedPauseTube() { counters.count(.pauseTube) }

    // MARK: Commands

    func execute(_ command: Command, for connection: ClusterConnection) -> Execution.Outcome {
        if let kind = CommandCounters.Kind(command) { counters.count(kind) }
        return perform(command, for: connection)
    }

    /// Executes a command without counting it: a client's, counted by
    /// ``execute(_:for:)``, or a pool worker's.
    func perform(_ command: Command, for connection: ClusterConnection) -> Execution.Outcome {
        switch command {
        case .use(let tube):
            connection.used = tube
            return .reply(.using(tube))
        case .watch(let tube):
            if !connection.watched.contains(tube) { connection.watched.append(tube) }
            return .reply(.watching(connection.watched.count))
        case .ignore(let tube):
            guard let index = connection.watched.firstIndex(of: tube) else { return .reply(.watching(connection.watched.count)) }
            guard connection.watched.count > 1 else { return .reply(.word(.notIgnored)) }
            // As beanstalkd's set: the last tube takes the ignored one's place
            // (`list-tubes-watched` shows that order).
            connection.watched[index] = connection.watched[connection.watched.count - 1]
            connection.watched.removeLast()
            return .reply(.watching(connection.watched.count))
        case .listTubeUsed:
            return .reply(.using(connection.used))
        case .listTubesWatched:
            return .reply(.ok(YAMLDocument.list(connection.watched).buffer))
        case .quit:
            return .close
        case .reserve:
            return reserve(connection, timeout: nil)
        case .reserveWithTimeout(let seconds):
            return reserve(connection, timeout: seconds < 0 ? nil : .seconds(Int64(seconds)))
        default:
            break
        }
        guard let node = nodeID else { return .reply(.word(.internalError)) }
        switch command {
        case .put(let priority, let delay, let ttr, let body):
            guard !isDraining else { return .reply(.word(.draining)) }
            connection.isProducer = true
            puts.append(PendingPut(
                connection: connection, tube: connection.used, priority: priority, delay: delay, ttr: max(ttr, 1), body: body))
            flushWrites()
        case .delete(let id):
            deletes.append(PendingDelete(connection: connection, id: Self.key(id)))
            flushWrites()
        default:
            single(command, for: connection, node: node)
        }
        return .wait
    }

    /// A reserve: the connection waits for the next reserve pass. When a
    /// held job's TTR ends within a second, a pass that finds it no job
    /// answers DEADLINE_SOON (a ready job still goes first, as in beanstalkd).
    func reserve(_ connection: ClusterConnection, timeout: TimeAmount?) -> Execution.Outcome {
        connection.isWorker = true
        guard nodeID != nil else { return .reply(.word(.internalError)) }
        connection.isWaitingInReserve = true
        connection.reserveDeadline = timeout.map { .now() + $0 }
        waiters.append(connection)
        armWaitTimer(connection)
        scheduleReservePass()
        return .wait
    }

    private func deadlineSoon(_ connection: ClusterConnection) -> Bool {
        forgetExpiredReservations(of: connection)
        guard let earliest = connection.earliestDeadline else { return false }
        return earliest - .now() <= .seconds(1)
    }

    /// Wakes a waiting reserve when it times out or a held job's TTR nears its end.
    private func armWaitTimer(_ connection: ClusterConnection) {
        connection.waitTimer?.cancel()
        forgetExpiredReservations(of: connection)
        let soon = connection.earliestDeadline.map { $0 - .seconds(1) }
        let when = [connection.reserveDeadline, soon].compactMap { $0 }.min()
        guard let when else { return }
        connection.waitTimer = eventLoop.assumeIsolated().scheduleTask(deadline: when) { [weak self, weak connection] in
            guard let self, let connection else { return }
            self.waitTimerFired(connection)
        }
    }

    private func waitTimerFired(_ connection: ClusterConnection) {
        guard connection.isWaitingInReserve else { return }
        guard let reply = waitEnd(connection) else { return armWaitTimer(connection) }
        // The pass in flight, or the one after it, may still bring it a job:
        // then it ends after a pass that looked for it.
        if reserveInFlight {
            reserveAgain = true
        } else {
            endWait(connection, with: reply)
        }
    }

    /// How a wait ends when no job comes: DEADLINE_SOON when a held job's
    /// TTR is about to end, TIMED_OUT once its timeout passed; nil while
    /// neither.
    private func waitEnd(_ connection: ClusterConnection) -> Reply? {
        if deadlineSoon(connection) { return .word(.deadlineSoon) }
        if let deadline = connection.reserveDeadline, deadline <= .now() { return .word(.timedOut) }
        return nil
    }

    private func endWait(_ connection: ClusterConnection, with reply: Reply) {
        connection.isWaitingInReserve = false
        connection.waitTimer?.cancel()
        connection.waitTimer = nil
        waiters.removeAll { $0 === connection }
        connection.finish(reply)
    }

    func cancelWait(_ connection: ClusterConnection) -> Reply? {
        guard connection.isWaitingInReserve else { return nil }
        connection.isWaitingInReserve = false
        connection.waitTimer?.cancel()
        waiters.removeAll { $0 === connection }
        return .word(.timedOut)
    }

    func close(_ connection: ClusterConnection) {
        connection.isClosed = true
        connection.isWaitingInReserve = false
        connection.waitTimer?.cancel()
        waiters.removeAll { $0 === connection }
        connections[connection.sessionID] = nil
        forgetExpiredReservations(of: connection)
        releaseOwned(connection.reserved.keys.map { ($0, connection.sessionID) })
        connection.reserved.removeAll()
    }

    /// Forgets the reservations of `connection` whose TTR ran out, counting
    /// each as a timeout: the job is no longer the connection's, whichever
    /// node's rescue returns it to ready (so a close never releases it from
    /// another session that reserved it since, and DEADLINE_SOON never
    /// answers for it).
    private func forgetExpiredReservations(of connection: ClusterConnection) {
        jobTimeouts += connection.forgetExpiredReservations()
    }

    /// Gives reservations of this node back (a closed connection's, or jobs
    /// a pass reserved for a wait that had ended), each as (job, the session
    /// that holds it).
    private func releaseOwned(_ reservations: [(id: Int64, session: Int64)]) {
        guard !reservations.isEmpty, let node = nodeID else { return }
        releaseOwned(reservations, of: node)
    }

    /// Gives reservations of node `node` back (this node's, under the id
    /// it had when they were taken).
    private func releaseOwned(_ reservations: [(id: Int64, session: Int64)], of node: Int32) {
        guard !reservations.isEmpty else { return }
        let parameters: [PostgresValue] = [
            .int64Array(reservations.map(\.id)), .int32(node), .int64Array(reservations.map(\.session)),
        ]
        pool.run(on: eventLoop, commit: .lease) { connection in
            try connection.execute(ClusterStatements.releaseOwned, parameters)
        }.assumeIsolated().whenComplete { [self] result in
            if case .failure(let error) = result {
                logger.warning("cannot release reservations; they return when their TTR ends", metadata: ["error": "\(error)"])
            }
            scheduleReservePass()
        }
    }

    // MARK: Batches

    /// Sends the puts and deletes that arrived as one statement, unless one
    /// is in flight: then they go when it ends.
    private func flushWrites() {
        guard !writeInFlight, !puts.isEmpty || !deletes.isEmpty, let node = nodeID else { return }
        writeInFlight = true
        let putBatch = puts
        let deleteBatch = deletes
        puts = []
        deletes = []
        let parameters: [PostgresValue] = [
            .textArray(putBatch.map(\.tube)), .int64Array(putBatch.map { Int64($0.priority) }),
            .int64Array(putBatch.map { Int64($0.delay) }), .int64Array(putBatch.map { Int64($0.ttr) }),
            .byteaArray(putBatch.map(\.body)), .int32(node),
            .int64Array(deleteBatch.map(\.id)), .int64Array(deleteBatch.map(\.connection.sessionID)),
        ]
        pool.run(on: eventLoop) { connection in
            try connection.execute(ClusterStatements.write, parameters)
        }.assumeIsolated().whenComplete { [self] result in
            writeInFlight = false
            switch result {
            case .success(let rows):
                finishWrites(rows, puts: putBatch, deletes: deleteBatch)
            case .failure(let error):
                fail(putBatch.map(\.connection) + deleteBatch.map(\.connection), error)
            }
            flushWrites()
        }
    }

    /// Answers a pass of writes from its rows: the ids put, in order, then
    /// the ids deleted.
    private func finishWrites(_ rows: PostgresRows, puts putBatch: [PendingPut], deletes deleteBatch: [PendingDelete]) {
        let inserted = (0..<rows.count).filter { rows.int64($0, 0) == 0 }
        guard inserted.count == putBatch.count else {
            return fail(
                putBatch.map(\.connection) + deleteBatch.map(\.connection),
                "a write pass returned \(inserted.count) ids for \(putBatch.count) jobs")
        }
        for (put, row) in zip(putBatch, inserted) { put.connection.finish(.inserted(UInt64(rows.int64(row, 1)))) }
        // Each row removed answers DELETED to the one delete that removed
        // it; another delete of the same job in the pass finds it gone.
        var deleted = Set((inserted.count..<rows.count).map { DeletedJob(id: rows.int64($0, 1), session: rows.int64($0, 2)) })
        for delete in deleteBatch {
            delete.connection.reserved[delete.id] = nil
            let removed = deleted.remove(DeletedJob(id: delete.id, session: delete.connection.sessionID)) != nil
            delete.connection.finish(.word(removed ? .deleted : .notFound))
        }
        if !putBatch.isEmpty { scheduleReservePass() }
    }

    /// Runs a reserve pass now, or right after the one in flight.
    func scheduleReservePass() {
        guard !waiters.isEmpty || shrinkDue else { return }
        guard !reserveInFlight else {
            reserveAgain = true
            return
        }
        reserveInFlight = true
        eventLoop.assumeIsolated().execute { [self] in runReservePass() }
    }

    /// One pass: for every set of watched tubes among the waiters, one
    /// statement reserves up to as many jobs as there are waiters, best job
    /// to the longest waiter.
    private func runReservePass() {
        guard let node = nodeID, isProcessing || shrinkDue, !waiters.isEmpty || shrinkDue else {
            reserveInFlight = false
            return
        }
        var groups: [[String]: [ClusterConnection]] = [:]
        for waiter in waiters { groups[waiter.watched.sorted(), default: []].append(waiter) }
        // Only the waiters this pass looked for can time out after it.
        let included = Set(waiters.map(\.sessionID))
        // A node whose processing is stopped only updates its advertisement.
        let requests = isProcessing ? groups.map { tubes, members in (tubes, members.map(\.sessionID)) } : []
        // The advertisement grows with the waits and shrinks only when the
        // rescue tick asks (shrinkDue), so that waits coming and going do not
        // rewrite the node's row each time.
        let waitedOn = Set(waiters.flatMap(\.watched))
        let wanted = Array(shrinkDue ? waitedOn : waitedOn.union(advertised)).sorted()
        shrinkDue = false
        let advertise = wanted != advertised ? wanted : nil
        pool.run(on: eventLoop, commit: .lease) { connection in
            if let advertise {
                try connection.execute(ClusterStatements.advertiseWaiting, [.int32(node), .textArray(advertise)])
            }
            // Each group's reservations commit on their own: one that fails
            // leaves the others' to be handed out.
            return requests.map { tubes, sessions in
                Result { () throws(ClusterError) -> PostgresRows in
                    try connection.execute(ClusterStatements.reserve, [
                        .textArray(tubes), .int64(Int64(sessions.count)), .int64Array(sessions), .int32(node),
                    ])
                }
            }
        }.assumeIsolated().whenComplete { [self] result in
            reserveInFlight = false
            switch result {
            case .success where node != nodeID:
                // Taken under an id the node has since lost (it registered
                // again meanwhile): the others release them as a dead node's.
                reserveAgain = true
            case .success(let results):
                if let advertise {
                    advertised = advertise
                    // Jobs put while the wait was not yet advertised: look again.
                    if !waiters.isEmpty { reserveAgain = true }
                }
                var unwanted: [(id: Int64, session: Int64)] = []
                for (group, outcome) in zip(requests, results) {
                    let rows: PostgresRows
                    switch outcome {
                    case .success(let groupRows):
                        rows = groupRows
                    case .failure(let error):
                        logger.warning("reserve pass failed", metadata: ["error": "\(error)"])
                        for session in group.1 {
                            if let waiter = connections[session], waiter.isWaitingInReserve { endWait(waiter, with: .word(.internalError)) }
                        }
                        continue
                    }
                    for row in 0..<rows.count {
                        let id = rows.int64(row, 0)
                        guard let waiter = connections[rows.int64(row, 1)], waiter.isWaitingInReserve else {
                            unwanted.append((id, rows.int64(row, 1)))
                            continue
                        }
                        waiter.reserved[id] = .now() + .seconds(rows.int64(row, 2))
                        waiter.taken = (id, UInt32(truncatingIfNeeded: rows.int64(row, 4)), rows.int64(row, 2), UInt32(rows.int32(row, 5)))
                        endWait(waiter, with: .reserved(id: UInt64(id), body: rows.buffer(row, 3)))
                    }
                }
                releaseOwned(unwanted)
            case .failure(let error):
                logger.warning("reserve pass failed", metadata: ["error": "\(error)"])
                for waiter in waiters { endWait(waiter, with: .word(.internalError)) }
            }
            for waiter in waiters where included.contains(waiter.sessionID) {
                if let reply = waitEnd(waiter) { endWait(waiter, with: reply) }
            }
            if reserveAgain {
                reserveAgain = false
                scheduleReservePass()
            }
        }
    }

    // MARK: Single statements

    private func single(_ command: Command, for connection: ClusterConnection, node: Int32) {
        let session = connection.sessionID
        let used = connection.used
        let statement: @Sendable (PostgresConnection) throws -> Reply
        switch command {
        case .release(let id, let priority, let delay):
            statement = { db in
                let rows = try db.execute(ClusterStatements.release, [
                    .int64(Self.key(id)), .int64(session), .int32(node), .int64(Int64(priority)), .int64(Int64(delay)),
                ])
                return rows.affected == 1 ? .word(.released) : .word(.notFound)
            }
        case .bury(let id, let priority):
            statement = { db in
                let rows = try db.execute(ClusterStatements.bury, [
                    .int64(Self.key(id)), .int64(session), .int32(node), .int64(Int64(priority)),
                ])
                return rows.affected == 1 ? .word(.buried) : .word(.notFound)
            }
        case .touch(let id):
            return lease(id, for: connection, node: node, statement: ClusterStatements.touch) { _ in .word(.touched) }
        case .reserveJob(let id):
            return lease(id, for: connection, node: node, statement: ClusterStatements.reserveJob) { rows in
                .reserved(id: id, body: rows.buffer(0, 2))
            }
        case .peek(let id):
            statement = { db in Self.found(try db.execute(ClusterStatements.peek, [.int64(Self.key(id))])) }
        case .peekReady:
            statement = { db in Self.found(try db.execute(ClusterStatements.peekReady, [.text(used)])) }
        case .peekDelayed:
            statement = { db in Self.found(try db.execute(ClusterStatements.peekDelayed, [.text(used)])) }
        case .peekBuried:
            statement = { db in Self.found(try db.execute(ClusterStatements.peekBuried, [.text(used)])) }
        case .kick(let bound):
            statement = { db in .kicked(try ClusterOperations.kick(used, bound: bound, on: db)) }
        case .kickJob(let id):
            statement = { db in
                try db.execute(ClusterStatements.kickJob, [.int64(Self.key(id))]).affected == 1 ? .word(.kicked) : .word(.notFound)
            }
        case .pauseTube(let tube, let delay):
            let local = knownTubes
            statement = { db in
                try ClusterOperations.pause(tube, seconds: delay, known: local.contains(tube), on: db)
                    ? .word(.paused) : .word(.notFound)
            }
        case .statsJob(let id):
            statement = { db in
                let rows = try db.execute(ClusterStatements.jobStats, [.int64(Self.key(id))])
                return rows.count == 1 ? .ok(StatsDocuments.document(ClusterStatistics.job(id: id, rows)).buffer) : .word(.notFound)
            }
        case .statsTube(let tube):
            let local = localTubeCounts(tube)
            statement = { db in
                let rows = try db.execute(ClusterStatements.tube, [.text(tube)], prepared: false)
                let (stats, hasRow) = ClusterStatistics.tube(rows, 0, local: local)
                guard hasRow || local.known else { return .word(.notFound) }
                return .ok(StatsDocuments.document(stats).buffer)
            }
        case .stats:
            let server = serverSnapshot()
            let local = knownTubes
            statement = { db in
                let counts = try db.execute(ClusterStatements.countsAll)
                let totals = try db.execute(ClusterStatements.totals)
                let stats = ClusterStatistics.engine(
                    server, counts: counts, totalJobs: UInt64(totals.int64(0, 0)), tubes: try Self.listedTubes(local, db).count)
                var document = StatsDocuments.server(
                    stats, counters: server.counters, configuration: server.configuration, identity: server.identity,
                    uptime: server.uptime)
                document.add("cluster-node", server.node)
                return .ok(document.buffer)
            }
        case .listTubes:
            let local = knownTubes
            statement = { db in .ok(YAMLDocument.list(try Self.listedTubes(local, db)).buffer) }
        default:
            connection.finish(.word(.internalError))
            return
        }
        pool.run(on: eventLoop, statement).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let reply):
                applyLocally(command, reply: reply, to: connection)
                connection.finish(reply)
            case .failure(let error):
                fail([connection], error)
            }
        }
    }

    /// A statement that (re)starts a lease of this connection on job `id`
    /// (touch, reserve-job) and returns its TTR in its first column after
    /// the id: the connection keeps the job, with when its TTR ends, so that
    /// DEADLINE_SOON and a release at close know of it.
    private func lease(
        _ id: UInt64, for connection: ClusterConnection, node: Int32, statement: String,
        reply: @escaping @Sendable (PostgresRows) -> Reply
    ) {
        let parameters: [PostgresValue] = [.int64(Self.key(id)), .int64(connection.sessionID), .int32(node)]
        pool.run(on: eventLoop) { db in
            try db.execute(statement, parameters)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let rows) where rows.count == 1 && (connection.isClosed || node != nodeID):
                // Closed meanwhile: its reservations were released without
                // this one, which goes now. Taken under an id the node has
                // since lost: the others release it as a dead node's.
                if node == nodeID { releaseOwned([(Self.key(id), connection.sessionID)], of: node) }
                connection.finish(.word(.internalError))
            case .success(let rows) where rows.count == 1:
                connection.reserved[Self.key(id)] = .now() + .seconds(rows.int64(0, 1))
                connection.finish(reply(rows))
            case .success:
                connection.finish(.word(.notFound))
            case .failure(let error):
                fail([connection], error)
            }
        }
    }

    // MARK: Pool workers

    /// Holds reservation `id` of `connection` for `milliseconds` from now;
    /// `completion(false)` when the connection no longer holds it.
    func hold(_ id: Int64, for connection: ClusterConnection, milliseconds: Int64, completion: @escaping (Bool) -> Void) {
        guard let node = nodeID else { return completion(false) }
        let parameters: [PostgresValue] = [.int64(id), .int64(connection.sessionID), .int32(node), .int64(milliseconds)]
        pool.run(on: eventLoop, commit: .lease) { db in
            try db.execute(ClusterStatements.hold, parameters).affected == 1
        }.assumeIsolated().whenComplete { [self] result in
            let held = (try? result.get()) ?? false
            if held, connection.reserved[id] != nil {
                connection.reserved[id] = .now() + .milliseconds(milliseconds)
            }
            if case .failure(let error) = result { logger.warning("cannot hold a worker's job", metadata: ["error": "\(error)"]) }
            completion(held)
        }
    }

    /// A failed attempt on reservation `id` of `connection`: ready again
    /// after `retryAfter` milliseconds, or buried with `reason` when nil.
    func fail(
        _ id: Int64, for connection: ClusterConnection, reason: String, retryAfter: Int64?,
        completion: @escaping (Bool) -> Void
    ) {
        guard let node = nodeID else { return completion(false) }
        let parameters: [PostgresValue] = [
            .int64(id), .int64(connection.sessionID), .int32(node), .text(reason), .int64(retryAfter ?? -1),
        ]
        pool.run(on: eventLoop) { db in
            try db.execute(ClusterStatements.fail, parameters).affected == 1
        }.assumeIsolated().whenComplete { [self] result in
            let applied = (try? result.get()) ?? false
            if applied {
                connection.reserved[id] = nil
                scheduleReservePass()
                let event: EngineEvent = retryAfter == nil
                    ? .jobBuried(job: UInt64(id), tube: connection.used, reason: reason)
                    : .attemptRetried(job: UInt64(id), tube: connection.used, reason: reason)
                observers.forEach { $0(event) }
            }
            if case .failure(let error) = result { logger.warning("cannot record a failed attempt", metadata: ["error": "\(error)"]) }
            completion(applied)
        }
    }

    /// A job id as the database's bigint: an id above Int64.max, which no
    /// job has, becomes a negative one, which no job has either (NOT_FOUND).
    private static func key(_ id: UInt64) -> Int64 {
        Int64(truncatingIfNeeded: id)
    }

    private static func found(_ rows: PostgresRows) -> Reply {
        rows.count == 1 ? .found(id: UInt64(rows.int64(0, 0)), body: rows.buffer(0, 1)) : .word(.notFound)
    }

    /// Keeps the connection's reservations in step with what the database did.
    private func applyLocally(_ command: Command, reply: Reply, to connection: ClusterConnection) {
        switch (command, reply) {
        case (.release(let id, _, _), .word(.released)), (.bury(let id, _), .word(.buried)):
            connection.reserved[Self.key(id)] = nil
            scheduleReservePass()
        case (.kick, _), (.kickJob, _), (.pauseTube, _):
            scheduleReservePass()
        default:
            break
        }
    }

    private func fail(_ connections: [ClusterConnection], _ error: any Error) {
        logger.warning("statement failed", metadata: ["error": "\(error)"])
        for connection in connections { connection.finish(.word(.internalError)) }
    }

    private func fail(_ connections: [ClusterConnection], _ message: String) {
        logger.error("\(message)")
        for connection in connections { connection.finish(.word(.internalError)) }
    }

    // MARK: Local state for statistics

    /// The tubes this node's connections use or watch, and `default`.
    var knownTubes: Set<String> {
        var tubes: Set<String> = ["default"]
        for connection in connections.values {
            tubes.insert(connection.used)
            tubes.formUnion(connection.watched)
        }
        return tubes
    }

    func localTubeCounts(_ tube: String) -> ClusterStatistics.LocalTube {
        var local = ClusterStatistics.LocalTube(known: tube == "default")
        for connection in connections.values {
            if connection.used == tube { local.using += 1; local.known = true }
            if connection.watched.contains(tube) { local.watching += 1; local.known = true }
            if connection.isWaitingInReserve, connection.watched.contains(tube) { local.waiting += 1 }
        }
        return local
    }

    func serverSnapshot() -> ClusterStatistics.Server {
        ClusterStatistics.Server(
            counters: counters, configuration: configuration, identity: identity,
            connections: clients.count, producers: clients.filter(\.isProducer).count,
            workers: clients.filter(\.isWorker).count, waiting: waiters.lazy.filter { !$0.isInternal }.count,
            totalConnections: totalConnections, jobTimeouts: jobTimeouts,
            uptime: (NIODeadline.now() - startedAt).nanoseconds / 1_000_000_000,
            draining: isDraining, node: nodeID ?? 0)
    }

    // MARK: Node life

    /// The node's registration and its clients, for its service manager.
    var status: ClusterNodeStatus { ClusterNodeStatus(node: nodeID, connections: clients.count) }

    /// The node registered (again): serve.
    func registered(_ id: Int32) {
        nodeID = id
        advertised = []
        logger.notice("registered as a cluster node", metadata: ["node": "\(id)"])
        firstRegistration?.succeed()
        firstRegistration = nil
        scheduleReservePass()
    }

    /// The registration is gone: the reservations this node held are no
    /// longer its (other nodes release them); commands fail until it is back.
    func lost(_ error: ClusterError) {
        if nodeID != nil {
            logger.error("lost the database; reconnecting", metadata: ["error": "\(error)"])
        }
        nodeID = nil
        for connection in connections.values { connection.reserved.removeAll() }
        for waiter in waiters { endWait(waiter, with: .word(.internalError)) }
        // Batches queued behind a statement in flight are not sent now.
        let queued = puts.map(\.connection) + deletes.map(\.connection)
        if !queued.isEmpty { fail(queued, error) }
        puts = []
        deletes = []
    }

    /// The node's row is gone: the other nodes found it dead (its liveness
    /// lock went with a connection it did not know was lost) and released
    /// its reservations. It serves nothing more under that id, and
    /// registers again.
    private func registrationGone(_ node: Int32) {
        logger.error("this node's registration is gone: the other nodes found it dead; registering again", metadata: ["node": "\(node)"])
        lost(.nodeNotRegistered)
        onRegistrationGone?()
    }

    /// The periodic rescue: TTRs that ran out and dead nodes' reservations go
    /// back to ready (on every node, guarded so that each job moves once),
    /// and waiting reserves look again — the fall-back for a lost wake-up.
    func rescue() {
        guard let node = nodeID else { return }
        // Once a second the advertisement shrinks to the tubes waited on now.
        if Set(waiters.flatMap(\.watched)) != Set(advertised) {
            shrinkDue = true
            scheduleReservePass()
        }
        pool.run(on: eventLoop, commit: .lease) { connection in
            try connection.execute(ClusterStatements.rescue, [.int32(node), .int32(ClusterSchema.lockClass)], prepared: false)
        }.assumeIsolated().whenComplete { [self] result in
            guard case .success(let rows) = result, node == nodeID else { return }
            if (0..<rows.count).contains(where: { rows.int64($0, 0) == -1 }) {
                return registrationGone(node)
            }
            // This node's reservations the rescue timed out, unless the
            // connection's own clock had already let them go.
            for row in 0..<rows.count where rows.int64(row, 0) > 0 {
                if connections[rows.int64(row, 1)]?.reserved.removeValue(forKey: rows.int64(row, 0)) != nil {
                    jobTimeouts += 1
                }
            }
            for connection in connections.values { forgetExpiredReservations(of: connection) }
            scheduleReservePass()
        }
    }
}
