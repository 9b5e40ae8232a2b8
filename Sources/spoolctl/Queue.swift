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

    /// A counter property, 0 when absent.
    func count(_ property: String) -> UInt64 {
        switch properties[property] {
        case .uint64(let value)?: value
        case .uint32(let value)?: UInt64(value)
        default: 0
        }
    }

    /// A text property, "" when absent.
    func text(_ property: String) -> String {
        if case .string(let value)? = properties[property] { return value }
        return ""
    }

    /// The queue as a JSON object, its keys in snake case.
    var json: [String: Any] { JSONOutput.object(properties) }

    /// The queue table of `status`, `list` and `watch`.
    static func table(_ queues: [Queue]) -> Table {
        var table = Table(["TUBE", "READY", "URGENT", "RESERVED", "DELAYED", "BURIED", "PAUSED", "POOL", "WORKERS"], numeric: [1, 2, 3, 4, 5])
        for queue in queues {
            let buried = queue.count("JobsBuried")
            let pool = queue.text("PoolState")
            let paused = queue.properties["Paused"] == .boolean(true)
            table.append([
                Table.Cell(queue.name),
                Table.Cell("\(queue.count("JobsReady"))"),
                Table.Cell("\(queue.count("JobsUrgent"))"),
                Table.Cell("\(queue.count("JobsReserved"))"),
                Table.Cell("\(queue.count("JobsDelayed"))"),
                Table.Cell("\(buried)", style: buried > 0 ? .red : nil),
                paused ? Table.Cell("yes", style: .yellow) : "-",
                Table.Cell(pool, style: pool == "running" ? .green : pool == "stopped" ? .yellow : .dim),
                pool == "none" ? "-" : Table.Cell("\(queue.count("WorkersBusy"))/\(queue.count("Workers")) busy"),
            ])
        }
        return table
    }
}
