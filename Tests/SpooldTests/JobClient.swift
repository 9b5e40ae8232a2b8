import Foundation

/// A beanstalkd-protocol client that sends commands and parses the replies,
/// over a ``RawClient``, for tests that look at what a real spoold holds
/// rather than at bytes.
///
/// Every reply is read with a deadline; a reply cut short because the server
/// died or went quiet reads as the empty string (or nil), never as a partial one.
final class JobClient {
    /// A job as `RESERVED` or `FOUND` hands it out.
    struct Job {
        let id: UInt64
        let body: String
    }

    /// The reply line of the last ``reserve(timeout:)`` or ``peek(_:)``
    /// ("" when the connection ended first).
    private(set) var lastReply = ""
    private let raw: RawClient
    private let timeout: TimeInterval

    /// Connects to spoold on 127.0.0.1:`port`.
    /// - Parameter timeout: how long to wait for a reply, beyond any timeout the command itself asks for.
    init(port: Int, timeout: TimeInterval = 5) throws {
        raw = try RawClient(port: port)
        self.timeout = timeout
    }

    /// Closes the connection.
    func close() {
        raw.close()
    }

    /// Sends one command line and returns the reply line, without its CR LF.
    func send(_ command: String) -> String {
        raw.send(command + "\r\n")
        return replyLine()
    }

    /// Sends a command line but does not read the reply; ``awaitReply(timeout:)`` reads it.
    func sendWithoutWaiting(_ command: String, body: String? = nil) {
        raw.send(command + "\r\n" + (body.map { $0 + "\r\n" } ?? ""))
    }

    /// The reply line to a command sent before, or "" when none came within `timeout`.
    func awaitReply(timeout: TimeInterval) -> String {
        replyLine(timeout: timeout)
    }

    /// Puts `body` into the used tube and returns the reply line, such as
    /// `INSERTED 7` or `OUT_OF_MEMORY`.
    func put(_ body: String, priority: UInt32 = 0, delay: Int = 0, ttr: Int = 60) -> String {
        sendWithoutWaiting("put \(priority) \(delay) \(ttr) \(body.utf8.count)", body: body)
        return replyLine()
    }

    /// Puts `body` and returns the new job's id, or nil when the reply is not `INSERTED`.
    func putID(_ body: String, priority: UInt32 = 0, delay: Int = 0, ttr: Int = 60) -> UInt64? {
        Self.insertedID(in: put(body, priority: priority, delay: delay, ttr: ttr))
    }

    /// The id in an `INSERTED <id>` reply line.
    static func insertedID(in reply: String) -> UInt64? {
        guard reply.hasPrefix("INSERTED ") else { return nil }
        return UInt64(reply.dropFirst("INSERTED ".count))
    }

    /// Makes the connection put into `tube`.
    func use(_ tube: String) {
        _ = send("use \(tube)")
    }

    /// Makes the connection watch `tube` and nothing else.
    func watchOnly(_ tube: String) {
        _ = send("watch \(tube)")
        for other in list("list-tubes-watched") where other != tube {
            _ = send("ignore \(other)")
        }
    }

    /// `reserve-with-timeout`: the job, or nil when the reply is anything else
    /// (`TIMED_OUT`, `DEADLINE_SOON`) or the connection ended; ``lastReply`` tells which.
    func reserve(timeout seconds: Int) -> Job? {
        job(answering: "reserve-with-timeout \(seconds)", expecting: "RESERVED", timeout: TimeInterval(seconds) + self.timeout)
    }

    /// `peek <id>`: the job, or nil.
    func peek(_ id: UInt64) -> Job? {
        job(answering: "peek \(id)", expecting: "FOUND", timeout: timeout)
    }

    /// Sends a command answered by a YAML mapping (`stats`, `stats-job 3`,
    /// `stats-tube name`) and returns its keys and values; empty when the reply is not `OK`.
    func stats(_ command: String) -> [String: String] {
        raw.send(command + "\r\n")
        var fields: [String: String] = [:]
        for line in raw.readDocument(timeout: timeout).split(separator: "\n") {
            guard let separator = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<separator])] = String(line[separator...].dropFirst().drop { $0 == " " })
        }
        return fields
    }

    /// Sends a command answered by a YAML list (`list-tubes`) and returns its items.
    func list(_ command: String) -> [String] {
        raw.send(command + "\r\n")
        return raw.readDocument(timeout: timeout).split(separator: "\n").filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
    }

    private func job(answering command: String, expecting word: String, timeout: TimeInterval) -> Job? {
        raw.send(command + "\r\n")
        let line = replyLine(timeout: timeout)
        let fields = line.split(separator: " ")
        guard fields.count == 3, fields[0] == word, let id = UInt64(fields[1]), let length = Int(fields[2]) else {
            lastReply = line
            return nil
        }
        let data = raw.read(count: length + 2, timeout: self.timeout)
        guard data.utf8.count == length + 2, data.hasSuffix("\r\n") else {
            lastReply = ""
            return nil
        }
        lastReply = line
        return Job(id: id, body: String(decoding: data.utf8.dropLast(2), as: UTF8.self))
    }

    private func replyLine(timeout: TimeInterval? = nil) -> String {
        let line = raw.readLine(timeout: timeout ?? self.timeout)
        guard line.hasSuffix("\r\n") else { return "" }
        return String(decoding: line.utf8.dropLast(2), as: UTF8.self)
    }
}
