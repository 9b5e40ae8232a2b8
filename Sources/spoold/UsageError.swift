/// A command line spoold cannot run with, told in one line.
struct UsageError: Error {
    /// The exit status for a bad command line: EX_USAGE, as ArgumentParser
    /// and sysexits(3) use it.
    static let exitStatus: Int32 = 64

    /// What is wrong, naming the option.
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
