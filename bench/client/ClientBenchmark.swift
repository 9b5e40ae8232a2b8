import Foundation
import SpoolClient

/// `spool-client-bench ENDPOINT JOBS`: SpoolClient's throughput against one
/// server, in three phases: puts one at a time, puts pipelined by 64
/// concurrent tasks on one connection, then reserve + delete one job at a
/// time. Prints one `phase jobs-per-second` line per phase.
@main
struct ClientBenchmark {
    /// How many tasks share the connection in the pipelined phase.
    static let pipelineDepth = 64

    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let jobs = Int(arguments[2]), jobs >= pipelineDepth else {
            FileHandle.standardError.write(Data("usage: spool-client-bench ENDPOINT JOBS (at least \(pipelineDepth))\n".utf8))
            exit(64)
        }
        let client = SpoolClient(try Endpoint(parsing: arguments[1]), configuration: ClientConfiguration(reconnect: .never))
        try await client.use("bench")
        try await client.watch("bench")
        try await client.ignore("default")
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 100)

        try await report("put", jobs) {
            for _ in 0..<jobs { _ = try await client.put(body) }
        }
        try await report("put-pipelined", jobs) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<pipelineDepth {
                    group.addTask {
                        for _ in 0..<(jobs / pipelineDepth) { _ = try await client.put(body) }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await report("reserve-delete", jobs) {
            for _ in 0..<jobs {
                guard let job = try await client.reserve(timeout: .zero) else { throw SpoolClientError.notFound }
                try await client.delete(job.id)
            }
        }
        await client.close()
    }

    /// Runs `phase` and prints its rate.
    private static func report(_ name: String, _ jobs: Int, _ phase: @Sendable () async throws -> Void) async rethrows {
        let started = ContinuousClock.now
        try await phase()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(name, Int(Double(jobs) / seconds))
    }
}
