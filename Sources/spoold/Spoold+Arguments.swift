import SpoolCore
import SpoolQueueFiles

extension Spoold {
    /// Parses spoold's arguments (without the program name) as getopt_long
    /// does: `--name VALUE` or `--name=VALUE`; short options alone or in a
    /// cluster (`-VV`), a short option's value joined (`-p11300`) or in the
    /// next argument; `--` ends the options. A repeated option takes its last
    /// value, except --listen and -V, which add up.
    init<Arguments: Collection<String>>(arguments: Arguments) throws {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            if argument == "--" {
                if let extra = remaining.first { throw UsageError("unexpected argument '\(extra)'") }
                break
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                let joined = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
                guard let option = Self.longOptions[name] else { throw UsageError("unknown option '--\(name)'") }
                switch option {
                case .flag(let apply):
                    if joined != nil { throw UsageError("--\(name) takes no value") }
                    apply(&self)
                case .value(let apply):
                    guard let value = joined ?? remaining.popFirst() else { throw UsageError("--\(name) needs a value") }
                    try apply(&self, value, "--\(name)")
                }
            } else if argument.hasPrefix("-"), argument.count > 1 {
                var cluster = argument.dropFirst()
                while let letter = cluster.popFirst() {
                    guard let option = Self.shortOptions[letter] else { throw UsageError("unknown option '-\(letter)'") }
                    switch option {
                    case .flag(let apply):
                        apply(&self)
                    case .value(let apply):
                        guard let value = cluster.isEmpty ? remaining.popFirst() : String(cluster) else {
                            throw UsageError("-\(letter) needs a value")
                        }
                        try apply(&self, value, "-\(letter)")
                        cluster = ""
                    }
                }
            } else {
                throw UsageError("unexpected argument '\(argument)'")
            }
        }
    }

    /// What an option does with the command line being built.
    private enum Option: Sendable {
        /// An option without a value.
        case flag(@Sendable (inout Spoold) -> Void)
        /// An option with a value; the closure gets the option's spelling for its errors.
        case value(@Sendable (inout Spoold, String, String) throws -> Void)
    }

    private static let longOptions: [String: Option] = [
        "listen": .value { spoold, value, _ in spoold.listen.append(value) },
        "http": .value { spoold, value, _ in spoold.http.append(value) },
        "state-directory": .value { spoold, value, _ in spoold.stateDirectory = value },
        "postgresql": .value { spoold, value, _ in spoold.postgresql = value },
        "durability": .value { spoold, value, _ in spoold.durability = value },
        "bus": .value { spoold, value, _ in spoold.bus = value },
        "queues-directory": .value { spoold, value, _ in spoold.queuesDirectory = value },
        "worker-stop-timeout": .value { spoold, value, option in spoold.workerStopTimeout = try number(value, option) },
        "exit-when-idle": .value { spoold, value, option in spoold.exitWhenIdle = try number(value, option) },
        "max-jobs": .value { spoold, value, option in spoold.maxJobsPerTube = Int(clamping: try number(value, option) as UInt) },
        "max-bytes": .value { spoold, value, option in spoold.maxBytesPerTube = try size(value, option) },
        "memory-limit": .value { spoold, value, option in spoold.memoryLimit = try size(value, option) },
        "when-full": .value { spoold, value, option in
            guard let action = TubeLimits.WhenFull(rawValue: value) else {
                throw UsageError("bad \(option) '\(value)': use refuse or wait")
            }
            spoold.whenFull = action
        },
        "version": .flag { $0.showVersion = true },
        "help": .flag { $0.showHelp = true },
    ]

    private static let shortOptions: [Character: Option] = [
        "l": .value { spoold, value, _ in spoold.beanstalkdAddress = value },
        "p": .value { spoold, value, option in spoold.beanstalkdPort = try number(value, option) },
        "z": .value { spoold, value, option in spoold.maxJobSize = try number(value, option) },
        "b": .value { spoold, value, _ in spoold.stateDirectory = value },
        "f": .value { spoold, value, option in spoold.fsyncInterval = try number(value, option) },
        "F": .flag { $0.neverFsync = true },
        "V": .flag { $0.verbosity += 1 },
        "v": .flag { $0.showVersion = true },
        "h": .flag { $0.showHelp = true },
    ]

    /// A decimal number for `option`, or an error naming it.
    private static func number<Number: FixedWidthInteger>(_ text: String, _ option: String) throws -> Number {
        guard let value = Number(text) else { throw UsageError("\(option) needs a number, not '\(text)'") }
        return value
    }

    /// A size in bytes for `option` (`4096`, `512K`, `64M`, `2G`), or an error naming it.
    private static func size(_ text: String, _ option: String) throws -> Int {
        guard let bytes = ByteSize.bytes(in: text) else {
            throw UsageError("\(option) needs a size such as 4096, 512K, 64M or 2G, not '\(text)'")
        }
        return Int(clamping: bytes)
    }
}
