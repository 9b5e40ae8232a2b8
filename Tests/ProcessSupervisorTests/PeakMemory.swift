import Foundation

/// The most memory the test process has had resident so far.
enum PeakMemory {
    /// In bytes, from getrusage(2), which counts kilobytes.
    static var bytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1_024
    }
}
