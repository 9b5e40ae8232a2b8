import Foundation

/// Waiting for something a real process does, by polling until a deadline
/// rather than sleeping for a time that is hoped to be long enough.
enum Deadline {
    /// Evaluates `condition` every `interval` until it holds or `seconds` have
    /// passed; returns whether it held. It is evaluated at least once.
    static func poll(for seconds: TimeInterval, every interval: TimeInterval = 0.05, until condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while true {
            if condition() { return true }
            if Date() >= end { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
