import DBus
import SpoolControlAPI
import SpoolEngineHost

/// `org.spool.Spool1.Manager` at `/org/spool/Spool1`: processing as a whole.
enum ManagerInterface {
    static func make(_ context: ControlContext) -> Interface {
        Interface(ControlNames.manager, methods: [
            Method("Start") { call in
                try await context.change(call, "Start") { try await $0.startProcessing() }
                return []
            },
            Method("Stop") { call in
                try await context.change(call, "Stop") { try await $0.stopProcessing() }
                return []
            },
            Method("Status", outputs: [Argument("status", "a{sv}")]) { _ in
                return [try await context.read { queue, pools in
                    var status = ControlSnapshot.managerProperties(queue, pools: pools)
                    status["Version"] = .string(context.version)
                    status["Durability"] = .string(context.durability)
                    status["UptimeSeconds"] = .uint64(UInt64((ContinuousClock.now - context.startedAt).components.seconds))
                    return .vardict(status)
                }]
            },
            Method("ListQueues", outputs: [Argument("queues", "a(so)")]) { _ in
                [try await context.read { queue, _ in
                    .array(element: "(so)", queue.tubeNames.sorted().map { .structure([.string($0), .objectPath(ControlNames.queuePath($0))]) })
                }]
            },
            Method("Reload", outputs: [Argument("problems", "as")]) { call in
                try await context.authorizer.requireAdmin(call, to: "Reload")
                return [.array(element: "s", await context.pool.reload().map { .string($0) })]
            },
        ], properties: [
            Property("Version", "s", emitsChange: .const, get: { .string(context.version) }),
            Property("Durability", "s", emitsChange: .const, get: { .string(context.durability) }),
        ] + ["State": Signature("s"), "JobsUrgent": "t", "JobsReady": "t", "JobsReserved": "t", "JobsDelayed": "t", "JobsBuried": "t",
             "Connections": "u", "Tubes": "u", "Workers": "u", "WorkersBusy": "u", "WorkersIdle": "u",
            ].sorted { $0.key < $1.key }.map { name, type in
            Property(MemberName(stringLiteral: name), type, get: {
                try await context.read { queue, pools in ControlSnapshot.managerProperties(queue, pools: pools)[name] ?? .uint32(0) }
            })
        }, signals: [
            SignalDescription("JobBuried", arguments: [Argument("tube", "s"), Argument("id", "t"), Argument("reason", "s")]),
        ])
    }
}
