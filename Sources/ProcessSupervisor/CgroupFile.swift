import Glibc

/// Reading and writing the small files of the cgroup file system, each in
/// one system call as the kernel expects.
enum CgroupFile {
    /// The contents of the file at `path`, or nil when it cannot be read.
    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return String(decoding: contents, as: UTF8.self) }
            contents += buffer[..<count]
        }
    }

    /// Writes `text` to the file at `path` in one write(2).
    static func write(_ text: String, to path: String) throws(CgroupError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CgroupError("open", path, error: errno) }
        defer { close(descriptor) }
        let written = Array(text.utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.utf8.count else {
            throw CgroupError("write \"\(text)\" to", path, error: written < 0 ? errno : EIO)
        }
    }

    /// The number after `key` on its line of a flat keyed file such as
    /// `memory.events` (`oom_kill 1`); 0 when the file or the key is missing.
    static func counter(_ key: String, in path: String) -> UInt64 {
        guard let contents = read(path) else { return 0 }
        for line in contents.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == key { return UInt64(fields[1]) ?? 0 }
        }
        return 0
    }

    /// The pids listed in the `cgroup.procs` file at `path`; nil when it cannot be read.
    static func processes(_ path: String) -> [pid_t]? {
        read(path).map { $0.split(separator: "\n").compactMap { pid_t($0) } }
    }
}

extension CgroupFile {
    /// The names in the directory at `path` but `.` and `..`; empty when it cannot be read.
    static func entries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes the directory at `path`, or, unless `fresh`, finds it there.
    static func makeDirectory(_ path: String, fresh: Bool = false) throws(CgroupError) {
        guard mkdir(path, 0o755) == 0 || (!fresh && errno == EEXIST) else {
            throw CgroupError("mkdir", path, error: errno)
        }
    }
}
