/// Runs a handler for every job of some tubes, one job at a time, on a
/// connection of its own.
///
/// ```swift
/// let consumer = Consumer(.unix(path: "/run/spool/spool.sock"), tubes: ["emails"])
/// let worker = Task {
///     try await consumer.run { job in
///         try await send(job.text ?? "")
///         return .delete
///     }
/// }
/// // later: stop after the job in hand
/// worker.cancel()
/// try await worker.value
/// ```
///
/// The consumer watches `tubes` and ignores `default` unless it is one of
/// them. Its handler's ``Disposition`` is applied to the job; a handler that
/// throws has its job released, at the job's own priority, ready again after
/// `failureDelay` (at once if the handler threw `CancellationError`).
public struct Consumer: Sendable {
    /// The server the consumer takes jobs from.
    public let endpoint: Endpoint
    /// The tubes it watches.
    public let tubes: [String]
    /// How its client connects and reconnects.
    public let configuration: ClientConfiguration
    /// How long a job whose handler threw waits before it is ready again.
    public let failureDelay: Duration

    /// A consumer of `tubes` on the server at `endpoint`.
    ///
    /// - Parameter failureDelay: how long a job whose handler threw waits
    ///   before it is ready again (whole seconds, rounded up).
    public init(_ endpoint: Endpoint, tubes: [String], configuration: ClientConfiguration = .init(),
                failureDelay: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.tubes = tubes
        self.configuration = configuration
        self.failureDelay = failureDelay
    }

    /// Reserves jobs from ``tubes`` one at a time and runs `handler` on each,
    /// until the calling task is cancelled.
    ///
    /// - Cancellation while it waits for a job closes the connection: the
    ///   server makes ready again a job it may just have reserved for it, so
    ///   nothing is lost, and `run` returns at once.
    /// - Cancellation while a handler runs reaches the handler (it runs in the
    ///   calling task); the job's disposition is still applied, then `run` returns.
    /// - A dropped connection is reconnected as the configuration's
    ///   ``ReconnectPolicy`` says, with the watch list restored. A job whose
    ///   reservation went with the old connection (its disposition answered
    ///   `NOT_FOUND`, or the connection closed before the answer) is left to
    ///   the server, which made it ready again; the consumer goes on.
    ///
    /// - Throws: ``SpoolClientError/invalidArgument(_:)`` for an empty or
    ///   invalid tube list; ``SpoolClientError/connectionFailed(_:)`` when a
    ///   reconnect gives up; any other error reply to a reserve or a disposition.
    public func run(_ handler: @escaping @Sendable (Job) async throws -> Disposition) async throws {
        guard !tubes.isEmpty else { throw SpoolClientError.invalidArgument("a consumer needs at least one tube") }
        for tube in tubes { _ = try ProtocolArguments.tube(tube) }
        let client = SpoolClient(endpoint, configuration: configuration)
        do {
            try await consume(with: client, handler)
        } catch is CancellationError {
            // Cancellation is how a consumer is stopped, not a failure.
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    private func consume(with client: SpoolClient, _ handler: @Sendable (Job) async throws -> Disposition) async throws {
        for tube in tubes { try await client.watch(tube) }
        if !tubes.contains("default") { try await client.ignore("default") }
        while !Task.isCancelled {
            let job: Job?
            do {
                job = try await client.reserve()
            } catch SpoolClientError.connectionClosed, SpoolClientError.timedOut, SpoolClientError.deadlineSoon {
                continue
            }
            guard let job else { continue }
            let disposition: Disposition
            do {
                disposition = try await handler(job)
            } catch is CancellationError {
                disposition = .release(priority: try await priority(of: job, on: client), delay: .zero)
            } catch {
                disposition = .release(priority: try await priority(of: job, on: client), delay: failureDelay)
            }
            do {
                try await apply(disposition, to: job, on: client)
            } catch SpoolClientError.notFound, SpoolClientError.connectionClosed, SpoolClientError.timedOut {
                continue
            }
        }
    }

    private func apply(_ disposition: Disposition, to job: Job, on client: SpoolClient) async throws {
        switch disposition {
        case .delete: try await client.delete(job.id)
        case .release(let priority, let delay): try await client.release(job.id, priority: priority, delay: delay)
        case .bury(let priority): try await client.bury(job.id, priority: priority)
        }
    }

    /// The job's priority, from `stats-job`; the default 1024 when the
    /// server no longer knows the job (its release then fails as it must).
    private func priority(of job: Job, on client: SpoolClient) async throws -> UInt32 {
        do {
            return try await client.statsJob(job.id)["pri"].flatMap { UInt32($0) } ?? 1024
        } catch SpoolClientError.notFound, SpoolClientError.connectionClosed, SpoolClientError.timedOut {
            return 1024
        }
    }
}
