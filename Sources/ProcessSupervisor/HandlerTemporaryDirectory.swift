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
/// The directories lie in one base directory spoold makes in `/tmp` when
/// the first is needed, `spoold-handlers.XXXXXX`, mode 0711: others may pass
/// through it but not list it. Each directory has a random name and mode
/// 1777, so that a handler that runs as another user than spoold may write
/// in it; only someone who knows its name reaches it, and the handlers'
/// Landlock rules (which hide `/tmp`) keep each out of the others'.
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
            // A base that went (systemd-tmpfiles ages /tmp) is made again.
            if let made = base, !isOwnDirectory(made, mode: 0o711) { base = nil }
            if base == nil {
                // Always /tmp, whatever spoold's TMPDIR: Landlock hides /tmp
                // (and /var/tmp) from the other handlers, nothing else.
                var template = Array("/tmp/spoold-handlers.XXXXXX".utf8CString)
                guard let made = mkdtemp(&template) else { return .failure(TemporaryDirectoryError(path: "/tmp", errno: errno)) }
                let path = String(cString: made)
                guard chmod(path, 0o711) == 0 else {
                    let error = errno
                    rmdir(path)
                    return .failure(TemporaryDirectoryError(path: path, errno: error))
                }
                base = path
            }
            var random = SystemRandomNumberGenerator()
            let name = String(random.next() as UInt64, radix: 16)
            let path = base! + "/" + String(repeating: "0", count: 16 - name.count) + name
            // chmod after: the umask (0077 under spoold's unit) narrows mkdir's
            // mode. Sticky: what a handler makes there only it (and spoold,
            // the directory's owner) may remove.
            guard mkdir(path, 0o700) == 0 else { return .failure(TemporaryDirectoryError(path: path, errno: errno)) }
            guard chmod(path, 0o1777) == 0 else {
                let error = errno
                rmdir(path)
                return .failure(TemporaryDirectoryError(path: path, errno: error))
            }
            return .success(path)
        }
    }

    /// Whether the directory is still there, spoold's (systemd-tmpfiles may
    /// age `/tmp`, and where `/tmp` is shared someone else may make a
    /// directory of that name then).
    public var exists: Bool { Self.isOwnDirectory(path, mode: 0o1777) }

    /// Whether `path` is a directory (not a link to one) of spoold's own user
    /// with permissions `mode`.
    private static func isOwnDirectory(_ path: String, mode: mode_t) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR && status.st_uid == geteuid()
            && status.st_mode & 0o7777 == mode
    }

    /// Removes the directory and what its handlers left in it, as far as
    /// spoold may (not what a handler of another user left in a directory
    /// of its own; that goes with the base directory's file system, such as
    /// the private `/tmp` of spoold's unit when the unit stops). Blocks: call
    /// it off the event loop.
    public func remove() {
        Self.removeTree(path)
    }

    /// Removes the directory as ``remove()`` does, on a thread of its own
    /// (what a handler left there may be large); on the calling thread when
    /// no thread can be made.
    public func removeInBackground() {
        let path = self.path
        if DedicatedThread.start({ Self.removeTree(path) }) != 0 { Self.removeTree(path) }
    }

    /// Removes the base directory and everything in it, as far as spoold
    /// may (on a thread of its own); the next directory made makes a new one.
    public static func removeBase() async {
        guard let path = base.withLock({ base in defer { base = nil }; return base }) else { return }
        _ = try? await DedicatedThread.run { removeTree(path) }
    }

    /// Removes what spoold may of the tree at `path`: never through a
    /// symbolic link or "..", and changing the mode of no directory but
    /// those it opened inside, however a process the handlers left moves the
    /// tree about meanwhile. Blocks: call it off the event loop.
    private static func removeTree(_ path: String) {
        // Not a directory of spoold's (any more): not its to empty.
        guard isOwnDirectory(path, mode: 0o1777) || isOwnDirectory(path, mode: 0o711) else { return }
        _ = cspawn_empty_directory(path)
        rmdir(path)
    }
}
