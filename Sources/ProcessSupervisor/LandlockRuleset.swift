#if canImport(Glibc)
import Glibc
#endif

/// A Landlock ruleset (an open descriptor) a handler enforces on itself just
/// after no_new_privs: what of the file system it may write or read. Closed
/// when the last command that names it goes.
public final class LandlockRuleset: Sendable, Hashable {
    /// The ruleset's descriptor (CLOEXEC).
    public let descriptor: Int32

    /// Takes ownership of `descriptor`.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    public static func == (left: LandlockRuleset, right: LandlockRuleset) -> Bool { left === right }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}
