import DurationConversions
import Logging
import ProcessSupervisor

/// Writes an attempt to the log: one line on how it ended, and what the
/// handler wrote, line by line, with the job's id and tube as fields.
enum AttemptLog {
    /// The most lines logged of each of a handler's output streams.
    static let maximumLines = 100

    static func record(
        _ context: AttemptContext, _ result: AttemptResult, _ verdict: AttemptVerdict, applied: Bool, logger: Logger
    ) {
        let metadata: Logger.Metadata = [
            "job_id": "\(context.job)", "tube": "\(context.tube)", "attempt": "\(context.number)",
        ]
        output(result.standardOutput, stream: "stdout", metadata: metadata, logger: logger)
        output(result.standardError, stream: "stderr", metadata: metadata, logger: logger)
        var summary = metadata
        summary["duration_ms"] = "\(result.duration.milliseconds)"
        if !applied {
            logger.warning("attempt over, but the job was no longer held by its worker: nothing done", metadata: summary)
            return
        }
        switch verdict {
        case .delete:
            logger.info("job done", metadata: summary)
        case .release:
            logger.notice("attempt stopped by shutdown; job released", metadata: summary)
        case .retry(let delay, let reason):
            summary["reason"] = "\(reason)"
            summary["retry_in_ms"] = "\(delay.milliseconds)"
            logger.warning("attempt failed; job will be retried", metadata: summary)
        case .bury(let reason):
            summary["reason"] = "\(reason)"
            logger.error("attempt failed for the last time; job buried", metadata: summary)
        }
    }

    /// Logs each line of `captured` (at most ``maximumLines``), and how much was left out.
    private static func output(_ captured: CapturedOutput, stream: String, metadata: Logger.Metadata, logger: Logger) {
        guard captured.byteCount > 0 else { return }
        var fields = metadata
        fields["stream"] = "\(stream)"
        let lines = captured.bytes.split(separator: UInt8(ascii: "\n"))
        for line in lines.prefix(maximumLines) {
            logger.notice("\(String(decoding: line, as: UTF8.self))", metadata: fields)
        }
        let keptLines = min(lines.count, maximumLines)
        if captured.isTruncated || lines.count > maximumLines {
            let keptBytes = lines.prefix(keptLines).reduce(0) { $0 + $1.count + 1 }
            fields["dropped_bytes"] = "\(max(0, captured.byteCount - keptBytes))"
            logger.notice("handler \(stream) truncated: \(captured.byteCount) bytes in all", metadata: fields)
        }
    }
}
