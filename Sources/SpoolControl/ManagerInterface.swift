import DBus
import SpoolControlAPI
import SpoolEngineHost

/// `org.spool.Spool1.Manager` at `/org/spool/Spool1`: processing as a whole.
enum ManagerInterface {
    static func make(_ context: ControlContext) -> Interface {
        Interface(ControlNames.manager, methods: [
            Method(ManagerAPI.start) { call in
                try await context.change(call, "Start") { try await $0.startProcessing() }
                return []
            },
            Method(ManagerAPI.stop) { call in
                try await context.change(call, "Stop") { try await $0.stopProcessing() }
                return []
            },
            Method(ManagerAPI.status) { _ in
                [try await context.read { queue, pools in
                    var status = ControlSnapshot.managerProperties(queue, pools: pools)
                    status[ManagerAPI.version.name.rawValue] = .string(context.version)
                    status[ManagerAPI.durability.name.rawValue] = .string(context.durability)
                    status[ManagerAPI.uptimeSeconds.name.rawValue] = .uint64(UInt64((ContinuousClock.now - context.startedAt).components.seconds))
                    return .vardict(status)
                }]
            },
            Method(ManagerAPI.listQueues) { _ in
                [try await context.read { queue, _ in
                    .array(element: "(so)", queue.tubeNames.sorted().map { .structure([.string($0), .objectPath(ControlNames.queuePath($0))]) })
                }]
            },
            Method(ManagerAPI.reload) { call in
                try await context.authorizer.requireAdmin(call, to: "Reload")
                return [.array(element: "s", await context.pool.reload().map { .string($0) })]
            },
        ], properties: [
            Property(ManagerAPI.version, get: { .string(context.version) }),
            Property(ManagerAPI.durability, get: { .string(context.durability) }),
        ] + ManagerAPI.announcedProperties.sorted { $0.name < $1.name }.map { property in
            let name = property.name.rawValue
            return Property(property, get: {
                try await context.read { queue, pools in ControlSnapshot.managerProperties(queue, pools: pools)[name] ?? .uint32(0) }
            })
        }, signals: [
            ManagerAPI.jobBuried,
        ], readAll: {
            // One summary of the queue and the pools for all of them.
            var all = try await context.read { queue, pools in ControlSnapshot.managerProperties(queue, pools: pools) }
            all[ManagerAPI.version.name.rawValue] = .string(context.version)
            all[ManagerAPI.durability.name.rawValue] = .string(context.durability)
            return all
        })
    }
}
