import Glibc
import ProcessSupervisor

extension CgroupLimits {
    /// `MemoryMax=`: bytes (`64M`, `1.5G`), a percentage of the machine's
    /// memory (`10%`), or `infinity` (nil).
    static func memory(_ text: String) throws(ValueError) -> UInt64? {
        if text == "infinity" { return nil }
        if let percent = try percentage(text) {
            guard percent > 0 else { throw ValueError("must be more than 0% (or infinity)") }
            let memory = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
            return max(1, memory / 100 * percent)
        }
        let bytes = try ByteSize.parse(text)
        guard bytes > 0 else { throw ValueError("must be more than 0 (or infinity)") }
        return bytes
    }

    /// `TasksMax=`: a number up to the kernel's highest pid (4194304), a
    /// percentage of the kernel's most tasks (`kernel.pid_max` or
    /// `kernel.threads-max`, the lower), or `infinity` (nil).
    static func tasks(_ text: String) throws(ValueError) -> UInt64? {
        if text == "infinity" { return nil }
        if let percent = try percentage(text) {
            guard percent > 0 else { throw ValueError("must be more than 0% (or infinity)") }
            // Where /proc/sys is hidden (spoold.service's ProcSubset=pid) a
            // percentage has nothing to be a percentage of: no guess.
            guard let system = ["/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"].compactMap(kernelNumber).min()
            else { throw ValueError("the kernel's task limit cannot be read here (/proc/sys): give a number of tasks") }
            return max(1, system * percent / 100)
        }
        guard let count = UInt64(text), (1...maximumTasks).contains(count) else {
            throw ValueError("not a number of tasks from 1 to \(maximumTasks), a percentage or infinity")
        }
        return count
    }

    /// The highest `pids.max` the kernel takes (`PID_MAX_LIMIT` on 64-bit).
    private static let maximumTasks: UInt64 = 4_194_304

    /// `CPUQuota=`: a percentage of one CPU, above 0 (`20%`, `200%` for two CPUs).
    static func cpuQuota(_ text: String) throws(ValueError) -> UInt64 {
        guard let percent = try percentage(text, upTo: 100_000), percent > 0 else {
            throw ValueError("not a percentage of one CPU above 0 (such as 20% or 200%)")
        }
        return percent
    }

    /// `CPUWeight=`: 1 to 10000.
    static func cpuWeight(_ text: String) throws(ValueError) -> UInt64 {
        guard let weight = UInt64(text), (1...10_000).contains(weight) else {
            throw ValueError("not a weight from 1 to 10000 (100 is the default)")
        }
        return weight
    }

    /// The whole percentage `text` is (`10%`), or nil when it has no `%`.
    private static func percentage(_ text: String, upTo limit: UInt64 = 100) throws(ValueError) -> UInt64? {
        guard text.hasSuffix("%") else { return nil }
        guard let percent = UInt64(text.dropLast()), percent <= limit else {
            throw ValueError("not a whole percentage from 0% to \(limit)%")
        }
        return percent
    }
}

/// The number on the first line of the file at `path`, as /proc/sys publishes them.
private func kernelNumber(_ path: String) -> UInt64? {
    guard let file = fopen(path, "re") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 32)
    guard fgets(&line, Int32(line.count), file) != nil else { return nil }
    let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return UInt64(text.filter(\.isNumber))
}
