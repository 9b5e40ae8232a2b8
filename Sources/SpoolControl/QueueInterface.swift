import DBus
import SpoolControlAPI
import SpoolCore
import SpoolEngineHost

/// `org.spool.Spool1.Queue` at `/org/spool/Spool1/queue/<escaped tube name>`:
/// one tube's statistics and controls.
enum QueueInterface {
    static func make(tube: String, _ context: ControlContext) -> Interface {
        Interface(ControlNames.queue, methods: [
            Method(QueueAPI.pause) { call in
                guard case .uint32(let seconds) = call.arguments[0], seconds > 0 else {
                    throw DBusError.invalidArgs("Pause takes a number of seconds above 0; Resume ends a pause")
                }
                guard try await context.change(call, "Pause", { try await $0.pauseTube(tube, seconds: seconds) }) else {
                    throw ControlNames.Errors.noSuchQueue(tube)
                }
                return []
            },
            Method(QueueAPI.resume) { call in
                // As in beanstalkd, a pause of 0 seconds ends the current pause.
                guard try await context.change(call, "Resume", { try await $0.pauseTube(tube, seconds: 0) }) else {
                    throw ControlNames.Errors.noSuchQueue(tube)
                }
                return []
            },
            Method(QueueAPI.kick) { call in
                guard case .uint32(let count) = call.arguments[0] else { return [] }
                let kicked = try await context.change(call, "Kick") { try await $0.kick(tubeNamed: tube, bound: count) }
                guard let kicked else { throw ControlNames.Errors.noSuchQueue(tube) }
                return [.uint32(kicked)]
            },
            Method(QueueAPI.purge) { call in
                guard case .string(let text) = call.arguments[0], let states = purgeStates[text] else {
                    throw DBusError.invalidArgs("Purge takes ready, delayed, buried or all")
                }
                guard let purged = try await context.change(call, "Purge", { try await $0.purge(tubeNamed: tube, states: states) }) else {
                    throw ControlNames.Errors.noSuchQueue(tube)
                }
                return [.uint32(UInt32(clamping: purged))]
            },
            Method(QueueAPI.start) { call in
                try await context.changePool(call, "Start") { try await $0.start(tube: tube) }
                return []
            },
            Method(QueueAPI.stop) { call in
                try await context.changePool(call, "Stop") { try await $0.stop(tube: tube) }
                return []
            },
            Method(QueueAPI.setWorkers) { call in
                guard case .uint32(let count) = call.arguments[0] else { return [] }
                try await context.changePool(call, "SetWorkers") { try await $0.setWorkers(Int(count), tube: tube) }
                return []
            },
        ], properties: [
            Property(QueueAPI.name, get: { .string(tube) }),
            Property(QueueAPI.pauseTimeLeft, get: {
                try await context.readTube(tube) { stats, _ in .uint64(UInt64(max(0, stats.pauseTimeLeft))) }
            }),
        ] + QueueAPI.announcedProperties.sorted { $0.name < $1.name }.map { property in
            let name = property.name.rawValue
            return Property(property, get: {
                try await context.readTube(tube) { ControlSnapshot.queueProperties($0, pool: $1)[name] }
            })
        }, readAll: {
            // One read of the tube and its pool for all of them.
            try await context.readTube(tube) { ControlSnapshot.allQueueProperties($0, pool: $1) }
        })
    }

    /// What `Purge` takes: one state, or all that can be purged.
    private static let purgeStates: [String: Set<JobState>] = [
        QueueAPI.PurgeState.ready.rawValue: [.ready], QueueAPI.PurgeState.delayed.rawValue: [.delayed],
        QueueAPI.PurgeState.buried.rawValue: [.buried], QueueAPI.PurgeState.all.rawValue: [.ready, .delayed, .buried],
    ]
}
