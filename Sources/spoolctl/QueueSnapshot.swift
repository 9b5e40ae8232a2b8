import DBus
import SpoolControlAPI

/// One queue (tube) as its D-Bus object last described it.
struct QueueSnapshot {
    /// The queue object's path.
    let path: ObjectPath
    /// Its properties, by D-Bus name.
    var properties: [String: DBusValue]

    /// The tube's name.
    var name: String {
        if case .string(let name)? = properties[QueueAPI.name] { return name }
        return path.rawValue
    }

    /// The queue as a JSON object, its keys in snake case.
    var json: [String: Any] { JSONOutput.object(properties) }

    /// The tube's limits: "jobs/MaxJobs", "bytes/MaxBytes" and the puts
    /// waiting for room, in yellow once a put waits or the tube is full; "-" without limits.
    var limitCell: Table.Cell {
        let maxJobs = properties.counter(QueueAPI.maxJobs)
        let maxBytes = properties.counter(QueueAPI.maxBytes)
        guard properties[QueueAPI.maxJobs] != nil, maxJobs != .max || maxBytes != .max else { return "-" }
        let jobs = [QueueAPI.jobsReady, QueueAPI.jobsReserved, QueueAPI.jobsDelayed, QueueAPI.jobsBuried]
            .map { properties.counter($0) }.saturatingSum
        var parts: [String] = []
        if maxJobs != .max { parts.append("\(jobs)/\(maxJobs) jobs") }
        if maxBytes != .max { parts.append("\(properties.counter(QueueAPI.bytes))/\(maxBytes) B") }
        let waiting = properties.counter(QueueAPI.putsWaiting)
        if waiting > 0 { parts.append("\(waiting) puts wait") }
        let full = waiting > 0 || (maxJobs != .max && jobs >= maxJobs)
        return Table.Cell(parts.joined(separator: ", "), style: full ? .yellow : nil)
    }

    /// The queue table of `status`, `list` and `watch`.
    static func table(_ queues: [QueueSnapshot]) -> Table {
        var table = Table(["TUBE", "READY", "URGENT", "RESERVED", "DELAYED", "BURIED", "PAUSED", "LIMIT", "POOL", "WORKERS"], numeric: [1, 2, 3, 4, 5])
        for queue in queues {
            let buried = queue.properties.counter(QueueAPI.jobsBuried)
            let pool = queue.properties.text(QueueAPI.poolState)
            let poolState = PoolState(rawValue: pool)
            let paused = queue.properties[QueueAPI.paused] == .boolean(true)
            table.append([
                Table.Cell(queue.name),
                Table.Cell("\(queue.properties.counter(QueueAPI.jobsReady))"),
                Table.Cell("\(queue.properties.counter(QueueAPI.jobsUrgent))"),
                Table.Cell("\(queue.properties.counter(QueueAPI.jobsReserved))"),
                Table.Cell("\(queue.properties.counter(QueueAPI.jobsDelayed))"),
                Table.Cell("\(buried)", style: buried > 0 ? .red : nil),
                paused ? Table.Cell("yes", style: .yellow) : "-",
                queue.limitCell,
                Table.Cell(pool, style: poolState == .running ? .green : poolState == .stopped ? .yellow : .dim),
                poolState == PoolState.none ? "-" : Table.Cell("\(queue.properties.counter(QueueAPI.workersBusy))/\(queue.properties.counter(QueueAPI.workers)) busy"),
            ])
        }
        return table
    }
}
