import DBus

/// One queue (tube) as its D-Bus object describes it.
struct Queue {
    /// The queue object's path.
    let path: ObjectPath
    /// Its properties, by D-Bus name.
    var properties: [String: DBusValue]

    /// The tube's name.
    var name: String {
        if case .string(let name)? = properties["Name"] { return name }
        return path.rawValue
    }

    /// The queue as a JSON object, its keys in snake case.
    var json: [String: Any] { JSONOutput.object(properties) }

    /// The queue table of `status`, `list` and `watch`.
    static func table(_ queues: [Queue]) -> Table {
        var table = Table(["TUBE", "READY", "URGENT", "RESERVED", "DELAYED", "BURIED", "PAUSED", "POOL", "WORKERS"], numeric: [1, 2, 3, 4, 5])
        for queue in queues {
            let buried = queue.properties.counter("JobsBuried")
            let pool = queue.properties.text("PoolState")
            let paused = queue.properties["Paused"] == .boolean(true)
            table.append([
                Table.Cell(queue.name),
                Table.Cell("\(queue.properties.counter("JobsReady"))"),
                Table.Cell("\(queue.properties.counter("JobsUrgent"))"),
                Table.Cell("\(queue.properties.counter("JobsReserved"))"),
                Table.Cell("\(queue.properties.counter("JobsDelayed"))"),
                Table.Cell("\(buried)", style: buried > 0 ? .red : nil),
                paused ? Table.Cell("yes", style: .yellow) : "-",
                Table.Cell(pool, style: pool == "running" ? .green : pool == "stopped" ? .yellow : .dim),
                pool == "none" ? "-" : Table.Cell("\(queue.properties.counter("WorkersBusy"))/\(queue.properties.counter("Workers")) busy"),
            ])
        }
        return table
    }
}
