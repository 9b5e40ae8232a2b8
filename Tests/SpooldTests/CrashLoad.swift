import Foundation

/// Producer and consumer threads that keep a spoold busy while a test kills
/// and restarts it, recording every acknowledgement in a ``CrashLedger``.
///
/// Producers put continuously. Consumers reserve with a timeout and delete
/// what they reserved, except every `holdEvery`-th job, which they keep
/// reserved until spoold dies, as a worker that crashed mid-job would. When a
/// connection ends, a thread waits for the next spoold and connects again.
final class CrashLoad: @unchecked Sendable {
    /// Where the acknowledgements go.
    let ledger = CrashLedger()
    private let holdEvery: Int
    private let lock = NSLock()
    private let threads = DispatchGroup()
    /// The spoold that serves now: its port and generation; nil between a kill and the next start.
    private var server: (port: Int, generation: Int)?
    private var isStopping = false

    /// Starts the threads; they connect once ``serve(port:generation:)`` names a spoold.
    /// - Parameter poolTube: a tube that a worker pool serves; one more
    ///   producer puts there, for the pool's handlers to run during the kills.
    init(producers: Int, consumers: Int, holdEvery: Int = 10, poolTube: String? = nil) {
        self.holdEvery = holdEvery
        for producer in 0..<producers { spawn { $0.produce(as: producer) } }
        for _ in 0..<consumers { spawn { $0.consume() } }
        if let poolTube { spawn { $0.produce(as: producers, into: poolTube) } }
    }

    /// Points the threads at spoold generation `generation`, listening on `port`.
    func serve(port: Int, generation: Int) {
        locked { server = (port, generation) }
    }

    /// Tells the threads that the spoold is about to die; they wait for the next one.
    func serverGone() {
        locked { server = nil }
    }

    /// Stops the threads once their current request ends (kill spoold to end
    /// them at once); returns false if they did not stop within `timeout`.
    func stop(timeout: TimeInterval = 10) -> Bool {
        locked { isStopping = true }
        return threads.wait(timeout: .now() + timeout) == .success
    }

    /// Puts bodies `p<producer>-<n>` until stopped, into `tube` when given.
    private func produce(as producer: Int, into tube: String? = nil) {
        var sequence = 0
        while let (client, _) = connect() {
            if let tube { client.use(tube) }
            while !locked({ isStopping }) {
                sequence += 1
                let body = "p\(producer)-\(sequence)"
                let reply = client.put(body, ttr: 120)
                if let id = JobClient.insertedID(in: reply) {
                    if tube == nil {
                        ledger.recordInserted(id: id, body: body)
                    } else {
                        ledger.recordPoolInserted(id: id, body: body)
                    }
                } else if reply.isEmpty {
                    ledger.recordUnanswered(body: body)
                    break
                } else {
                    ledger.recordViolation("put \(body) was answered \(reply)")
                }
            }
        }
    }

    /// Reserves and deletes until stopped, holding every `holdEvery`-th job.
    private func consume() {
        var reservations = 0
        while let (client, generation) = connect() {
            while !locked({ isStopping }) {
                guard let job = client.reserve(timeout: 1) else {
                    if client.lastReply == "TIMED_OUT" { continue }
                    if !client.lastReply.isEmpty {
                        ledger.recordViolation("reserve-with-timeout was answered \(client.lastReply)")
                    }
                    break
                }
                ledger.recordReserved(id: job.id, generation: generation)
                reservations += 1
                guard reservations % holdEvery != 0 else { continue }
                let reply = client.send("delete \(job.id)")
                if reply == "DELETED" {
                    ledger.recordDeleted(id: job.id, generation: generation)
                } else if reply.isEmpty {
                    ledger.recordUnansweredDelete(id: job.id, generation: generation)
                    break
                } else {
                    ledger.recordViolation("delete \(job.id), reserved on this connection, was answered \(reply)")
                }
            }
        }
    }

    /// Connects to the spoold that serves now, waiting for one to be named;
    /// nil once stopping.
    private func connect() -> (JobClient, generation: Int)? {
        while true {
            if locked({ isStopping }) { return nil }
            if let current = locked({ server }), let client = try? JobClient(port: current.port) {
                return (client, current.generation)
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    private func spawn(_ body: @escaping @Sendable (CrashLoad) -> Void) {
        threads.enter()
        Thread.detachNewThread { [self] in
            body(self)
            threads.leave()
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
