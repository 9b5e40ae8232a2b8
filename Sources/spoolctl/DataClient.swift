import SpoolClient

/// spoold's socket as spoolctl uses it: one connection, whose failures
/// become ``CommandFailure``s that name the socket.
struct DataClient {
    /// Where the connection goes.
    let endpoint: Endpoint
    /// The protocol client, which never retries a connection.
    let client: SpoolClient

    /// Runs `body` on the client and closes it; `notFound` is the failure
    /// a `NOT_FOUND` reply stands for.
    func run<Result: Sendable>(
        notFound: @autoclosure () -> String = "not found", _ body: (SpoolClient) async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch let error as SpoolClientError {
            await client.close()
            throw CommandFailure(error, socket: endpoint, notFound: notFound())
        }
    }
}
