#if canImport(Glibc)
import Glibc
#endif

/// A directory of queue files, such as `/etc/spool/queues.d/`: one queue per
/// file whose name ends in `.conf` (names starting with `.` are skipped), read
/// in byte order of their names.
public enum QueueDirectory {
    /// The largest queue file read; anything bigger is a mistake.
    private static let maximumFileSize = 1 << 20

    /// The queues the files of `directory` configure, and the problems of the
    /// files that configure none. A bad file never stops the others; a file
    /// for a tube an earlier file already configured is an error. A missing
    /// directory configures no queue and is not an error.
    public static func load(_ directory: String) -> (queues: [QueueConfiguration], errors: [QueueConfigurationError]) {
        let names: [String]
        do {
            names = try fileNames(in: directory)
        } catch {
            return ([], [QueueConfigurationError(path: directory, line: nil, problem: error.message)])
        }
        var queues: [QueueConfiguration] = []
        var errors: [QueueConfigurationError] = []
        var files: [String: String] = [:]
        for name in names {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            do throws(QueueConfigurationError) {
                let (queue, tubeLine) = try QueueSettings.parse(try text(of: path), path: path)
                if let earlier = files[queue.tube] {
                    throw QueueConfigurationError(
                        path: path, line: tubeLine, problem: "Tube=\(queue.tube): already configured by \(earlier)")
                }
                files[queue.tube] = path
                queues.append(queue)
            } catch {
                errors.append(error)
            }
        }
        return (queues, errors)
    }

    /// The queue files' names in `directory`, sorted.
    private static func fileNames(in directory: String) throws(ValueError) -> [String] {
        guard let stream = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw ValueError("cannot list the directory: \(String(cString: strerror(errno)))")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name.hasSuffix(".conf"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The contents of the regular file at `path`.
    private static func text(of path: String) throws(QueueConfigurationError) -> String {
        func fail(_ problem: String, line: Int? = nil) -> QueueConfigurationError {
            QueueConfigurationError(path: path, line: line, problem: problem)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw fail("cannot stat: \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw fail("not a regular file") }
        guard status.st_size <= maximumFileSize else { throw fail("larger than \(maximumFileSize >> 20) MiB") }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("cannot read: \(String(cString: strerror(errno)))")
            }
            bytes += buffer[..<count]
            guard bytes.count <= maximumFileSize else { throw fail("larger than \(maximumFileSize >> 20) MiB") }
        }
        guard let text = String(validUTF8: bytes) else {
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            throw fail("not valid UTF-8", line: lines.firstIndex { String(validUTF8: $0) == nil }.map { $0 + 1 })
        }
        return text
    }
}
