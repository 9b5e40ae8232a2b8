import CSpawn
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A directory of one worker's handlers' own, their `TMPDIR`, where spoold
/// cannot give them a private `/tmp` in a mount namespace (it is not root,
/// as under its unit): each attempt's child empties it, as the handler's
/// user, before the handler starts (``HandlerCommand/temporaryDirectory``),
/// and the Landlock ruleset of its handlers, ``landlock``, names it writable.
///
/// The directories lie in one base directory spoold makes in its `TMPDIR`
/// (or `/tmp`) when the first is needed, `spoold-handlers.XXXXXX`, mode 0711:
/// others may pass through it but not list it. Each directory has a random
/// name and mode 0777, so that a handler that runs as another user than
/// spoold may write in it; only someone who knows its name reaches it, and
/// the handlers' Landlock rules keep each out of the others'.
public final class HandlerTemporaryDirectory: Sendable {
    /// The directory.
    public let path: String
    /// The file system rules of the handlers that use it; nil on a kernel without Landlock.
    public let landlock: LandlockRuleset?

    private static let base = Mutex<String?>(nil)

    /// A directory made by ``makeDirectory()``, with its handlers' rules.
    public init(path: String, landlock: LandlockRuleset?) {
        self.path = path
        self.landlock = landlock
    }

    /// Makes a new empty directory beneath the base directory (made first
    /// when there is none).
    /// - Returns: its path, or why it cannot be made.
    public static func makeDirectory() -> Result<String, TemporaryDirectoryError> {
        base.withLock { base -> Result<String, TemporaryDirectoryError> in
            if base == nil {
                let parent = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
                var template = Array((parent + "/spoold-handlers.XXXXXX").utf8CString)
                guard let made = mkdtemp(&template), chmod(made, 0o711) == 0 else {
                    return .failure(TemporaryDirectoryError(path: parent, errno: errno))
                }
                base = String(cString: made)
            }
            var random = SystemRandomNumberGenerator()
            let name = String(random.next() as UInt64, radix: 16)
            let path = base! + "/" + String(repeating: "0", count: 16 - name.count) + name
            // chmod after: the umask (0077 under spoold's unit) narrows mkdir's mode.
            guard mkdir(path, 0o700) == 0 else { return .failure(TemporaryDirectoryError(path: path, errno: errno)) }
            guard chmod(path, 0o777) == 0 else {
                let error = errno
                rmdir(path)
                return .failure(TemporaryDirectoryError(path: path, errno: error))
            }
            return .success(path)
        }
    }

    /// Removes the directory and what its handlers left in it, as far as
    /// spoold may (not what a handler of another user left in a directory
    /// of its own; that goes with the base directory's file system, such as
    /// the private `/tmp` of spoold's unit when the unit stops).
    public func remove() {
        Self.removeTree(path)
    }

    /// Removes the base directory and everything in it, as far as spoold
    /// may; the next directory made makes a new one.
    public static func removeBase() {
        guard let path = base.withLock({ base in defer { base = nil }; return base }) else { return }
        removeTree(path)
    }

    private static func removeTree(_ path: String) {
        _ = cspawn_empty_directory(path)
        rmdir(path)
    }
}
