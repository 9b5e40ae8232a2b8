/// A job as the server handed it out (`RESERVED` or `FOUND`): its id and its body.
public struct Job: Sendable, Hashable {
    /// The job's id, unique on its server.
    public let id: UInt64
    /// The job's body, the bytes it was put with.
    public let body: [UInt8]

    /// A job with `id` and `body`.
    public init(id: UInt64, body: [UInt8]) {
        self.id = id
        self.body = body
    }

    /// The body decoded as UTF-8, or nil when it is not valid UTF-8.
    public var text: String? {
        let decoded = String(decoding: body, as: UTF8.self)
        return decoded.utf8.elementsEqual(body) ? decoded : nil
    }
}
