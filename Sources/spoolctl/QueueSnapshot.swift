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

    /// The queue table of `status`, `list` and `watch`.
    static func table(_ queues: [QueueSnapshot]) -> Table {
        var table = Table(["TUBE", "READY", "URGENT", "RESERVED", "DELAYED", "BURIED", "PAUSED", "POOL", "WORKERS"], numeric: [1, 2, 3, 4, 5])
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
                Table.Cell(pool, style: poolState == .running ? .green : poolState == .stopped ? .yellow : .dim),
                poolState == PoolState.none ? "-" : Table.Cell("\(queue.properties.counter(QueueAPI.workersBusy))/\(queue.properties.counter(QueueAPI.workers)) busy"),
            ])
        }
        return table
    }
}
