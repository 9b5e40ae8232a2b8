import DurationConversions
import ProcessSupervisor
import SpoolPrimitives

/// The `[Queue]` keys of one file as they are read, checked one by one, then
/// together into a ``QueueConfiguration``.
struct QueueSettings {
    /// The keys of the `[Queue]` section.
    enum Key: String, CaseIterable {
        case tube = "Tube"
        case execStart = "ExecStart"
        case workers = "Workers"
        case timeout = "Timeout"
        case maxAttempts = "MaxAttempts"
        case backoffMin = "BackoffMin"
        case backoffMax = "BackoffMax"
        case agingAfter = "AgingAfter"
        case user = "User"
        case group = "Group"
        case environment = "Environment"
        case workingDirectory = "WorkingDirectory"
        case limitAS = "LimitAS"
        case limitNOFILE = "LimitNOFILE"
        case limitCPU = "LimitCPU"
        case limitNPROC = "LimitNPROC"
        case maxJobs = "MaxJobs"
        case maxBytes = "MaxBytes"
        case whenFull = "WhenFull"
        case systemCallFilter = "SystemCallFilter"
        case systemCallErrorNumber = "SystemCallErrorNumber"
        case restrictAddressFamilies = "RestrictAddressFamilies"
        case privateNetwork = "PrivateNetwork"
        case restrictNamespaces = "RestrictNamespaces"
        case readWritePaths = "ReadWritePaths"
        case readOnlyPaths = "ReadOnlyPaths"
        case inaccessiblePaths = "InaccessiblePaths"
        case privateTmp = "PrivateTmp"
        case temporaryFileSystem = "TemporaryFileSystem"
        case memoryMax = "MemoryMax"
        case tasksMax = "TasksMax"
        case cpuQuota = "CPUQuota"
        case cpuWeight = "CPUWeight"

        /// Whether the key may be given more than once, each time adding to its
        /// value, an empty assignment clearing it.
        var isRepeatable: Bool {
            [
                .environment, .systemCallFilter, .restrictAddressFamilies, .readWritePaths, .readOnlyPaths,
                .inaccessiblePaths, .temporaryFileSystem,
            ].contains(self)
        }
    }

    private let path: String
    /// The line and raw value of each key's latest assignment.
    private var assigned: [Key: (line: Int, value: String)] = [:]
    private var tube: String?
    private var arguments: [String]?
    private var workers = 1
    private var timeout: Duration?
    private var maxAttempts = 5
    private var backoffMin = Duration.seconds(1)
    private var backoffMax = Duration.seconds(300)
    private var agingAfter: Duration?
    private var user = "nobody"
    private var group: String?
    private var environment: [String: String] = [:]
    private var workingDirectory = "/"
    private var addressSpace: ResourceLimit?
    private var openFiles: ResourceLimit?
    private var cpuSeconds: ResourceLimit?
    private var processes: ResourceLimit?
    private var maxJobs: Int?
    private var maxBytes: Int?
    private var waitWhenFull: Bool?
    private var sandbox = SandboxSettings.strict
    private var cgroupLimits = CgroupLimits()

    private init(path: String) {
        self.path = path
    }

    /// The queue `text` configures, and the line of its `Tube=`.
    /// - Throws: the first problem, in line order; then a missing required key
    ///   or contradictory keys.
    static func parse(_ text: String, path: String) throws(QueueConfigurationError) -> (
        configuration: QueueConfiguration, tubeLine: Int
    ) {
        var settings = QueueSettings(path: path)
        for assignment in try QueueFile.assignments(in: text, path: path) {
            try settings.apply(assignment)
        }
        return try settings.configuration()
    }

    private mutating func apply(_ assignment: QueueFile.Assignment) throws(QueueConfigurationError) {
        func fail(_ problem: String) -> QueueConfigurationError {
            QueueConfigurationError(
                path: path, line: assignment.line, problem: "\(assignment.key)=\(assignment.value): \(problem)")
        }
        if let why = Self.unsupportedSandboxKeys[assignment.key] { throw fail("not supported: \(why)") }
        guard let key = Key(rawValue: assignment.key) else {
            let hint = EditDistance.closest(to: assignment.key, among: Key.allCases.map(\.rawValue)).map {
                " (did you mean \($0)=?)"
            }
            throw fail("unknown key\(hint ?? "")")
        }
        if !key.isRepeatable {
            if let earlier = assigned[key] { throw fail("\(key.rawValue)= is already set on line \(earlier.line)") }
            if assignment.value.isEmpty { throw fail("needs a value") }
        }
        assigned[key] = (assignment.line, assignment.value)
        do {
            try set(key, to: assignment.value)
        } catch {
            throw fail(error.message)
        }
    }

    /// systemd sandbox keys an admin may bring from a unit that handlers
    /// cannot have, and why.
    private static let unsupportedSandboxKeys: [String: String] = [
        "BindPaths": "handlers get no bind mounts; ReadWritePaths= opens a path for writing",
        "BindReadOnlyPaths": "handlers get no bind mounts; the file system is read-only to handlers already",
        "PrivateUsers": "handlers run as real users of the machine; User= runs the handler as another user",
    ]

    private mutating func set(_ key: Key, to value: String) throws(ValueError) {
        switch key {
        case .tube: tube = try Self.tubeName(value)
        case .execStart: arguments = try Self.command(value)
        case .workers: workers = try Self.integer(value, in: 1...256)
        case .timeout: timeout = try Self.positiveSpan(value)
        case .maxAttempts: maxAttempts = try Self.integer(value, in: 1...Int.max)
        case .backoffMin: backoffMin = try Self.positiveSpan(value)
        case .backoffMax: backoffMax = try Self.positiveSpan(value)
        case .agingAfter: agingAfter = try Self.positiveSpan(value)
        case .user: user = try Self.accountName(value, of: "user")
        case .group: group = try Self.accountName(value, of: "group")
        case .environment: try Self.addEnvironment(value, to: &environment)
        case .workingDirectory: workingDirectory = try Self.absolutePath(value)
        case .limitAS: addressSpace = try ResourceLimit.parse(value, amount: ByteSize.parse)
        case .limitNOFILE: openFiles = try ResourceLimit.parse(value, amount: Self.count)
        case .limitCPU: cpuSeconds = try ResourceLimit.parse(value, amount: Self.wholeSeconds)
        case .limitNPROC: processes = try ResourceLimit.parse(value, amount: Self.count)
        case .maxJobs: maxJobs = try Self.integer(value, in: 0...Int.max)
        case .maxBytes: maxBytes = Int(clamping: try ByteSize.parse(value))
        case .whenFull: waitWhenFull = try Self.fullTubeAction(value)
        case .systemCallFilter: try Self.add(value, to: &sandbox.systemCallFilter, valid: Self.systemCallWord)
        case .systemCallErrorNumber: sandbox.systemCallErrorNumber = try Self.errorNumber(value)
        case .restrictAddressFamilies: try Self.add(value, to: &sandbox.addressFamilies, valid: Self.addressFamilyWord)
        case .privateNetwork: sandbox.privateNetwork = try Self.boolean(value)
        case .restrictNamespaces: sandbox.restrictNamespaces = try Self.boolean(value)
        case .readWritePaths: try Self.addPaths(value, to: &sandbox.readWritePaths)
        case .readOnlyPaths: try Self.addPaths(value, to: &sandbox.readOnlyPaths)
        case .inaccessiblePaths: try Self.addPaths(value, to: &sandbox.inaccessiblePaths)
        case .privateTmp: sandbox.privateTmp = try Self.boolean(value)
        case .temporaryFileSystem: try Self.addTemporaryFileSystems(value, to: &sandbox.temporaryFileSystems)
        case .memoryMax: cgroupLimits.memoryMax = try CgroupLimits.memory(value)
        case .tasksMax: cgroupLimits.tasksMax = try CgroupLimits.tasks(value)
        case .cpuQuota: cgroupLimits.cpuQuotaPercent = try CgroupLimits.cpuQuota(value)
        case .cpuWeight: cgroupLimits.cpuWeight = try CgroupLimits.cpuWeight(value)
        }
    }

    private func configuration() throws(QueueConfigurationError) -> (configuration: QueueConfiguration, tubeLine: Int) {
        guard let tube, let tubeLine = assigned[.tube]?.line else { throw missing(.tube) }
        guard let arguments else { throw missing(.execStart) }
        if let nested = sandbox.readOnlyPaths.first(where: { readOnly in
            sandbox.readWritePaths.contains { Self.path(readOnly, isBeneath: $0) }
        }), let line = assigned[.readOnlyPaths]?.line {
            throw QueueConfigurationError(
                path: path, line: line,
                problem: "ReadOnlyPaths=\(nested): beneath a ReadWritePaths= entry, which stays writable")
        }
        // Such a path would name a file of the handler's own, empty /tmp,
        // where it does not exist: as in a unit, PrivateTmp=no reaches the shared one.
        if sandbox.privateTmp, let line = assigned[.readWritePaths]?.line,
            let shared = sandbox.readWritePaths.first(where: { writable in
                !writable.hasPrefix("-") && ["/tmp/", "/var/tmp/"].contains { writable.hasPrefix($0) }
            })
        {
            throw QueueConfigurationError(
                path: path, line: line,
                problem: "ReadWritePaths=\(shared): beneath /tmp or /var/tmp, which PrivateTmp= (the default) gives each handler empty, of its own; PrivateTmp=no reaches the shared ones")
        }
        guard backoffMin <= backoffMax else {
            let (min, max) = (assigned[.backoffMin], assigned[.backoffMax])
            throw QueueConfigurationError(
                path: path, line: Swift.max(min?.line ?? 0, max?.line ?? 0),
                problem: "BackoffMin=\(min?.value ?? "1s") is more than BackoffMax=\(max?.value ?? "5min")")
        }
        let configuration = QueueConfiguration(
            file: path, tube: tube, arguments: arguments, workers: workers, timeout: timeout, maxAttempts: maxAttempts,
            backoff: Backoff(minimum: backoffMin, maximum: backoffMax), agingAfter: agingAfter, user: user,
            group: group, environment: environment, workingDirectory: workingDirectory,
            limits: ResourceLimits(
                addressSpace: addressSpace, openFiles: openFiles, cpuSeconds: cpuSeconds, processes: processes),
            maxJobs: maxJobs, maxBytes: maxBytes, waitWhenFull: waitWhenFull, sandbox: sandbox,
            cgroupLimits: cgroupLimits)
        return (configuration, tubeLine)
    }

    /// Whether `path` is `base` or beneath it (a leading `-` aside).
    private static func path(_ path: String, isBeneath base: String) -> Bool {
        let path = path.hasPrefix("-") ? String(path.dropFirst()) : path
        var base = base.hasPrefix("-") ? String(base.dropFirst()) : base
        if base.hasSuffix("/") { base.removeLast() }
        return path == base || path.hasPrefix(base + "/")
    }

    private func missing(_ key: Key) -> QueueConfigurationError {
        QueueConfigurationError(path: path, line: nil, problem: "\(key.rawValue)= is missing from the [Queue] section")
    }

    /// Adds one assignment of a list key as systemd does: words separated by
    /// spaces, a leading `~` for the whole list; an empty one clears the key.
    private static func add(
        _ value: String, to assignments: inout [[String]], valid: (String) -> Bool
    ) throws(ValueError) {
        guard !value.isEmpty else {
            assignments = []
            return
        }
        let inverted = value.hasPrefix("~")
        let words = value.dropFirst(inverted ? 1 : 0).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { throw ValueError("names nothing after ~") }
        if let bad = words.first(where: { !valid($0) }) { throw ValueError("\(bad) is not a valid name here") }
        assignments.append(inverted ? ["~" + words[0]] + words.dropFirst() : words)
    }

    /// Adds absolute paths, as systemd's path lists: words separated by
    /// spaces, each optionally `-` first; an empty assignment clears the list.
    private static func addPaths(_ value: String, to paths: inout [String]) throws(ValueError) {
        guard !value.isEmpty else {
            paths = []
            return
        }
        for word in value.split(separator: " ").map(String.init) {
            let path = word.hasPrefix("-") ? String(word.dropFirst()) : word
            guard path.hasPrefix("/") else { throw ValueError("\(word) is not an absolute path") }
            paths.append(word)
        }
    }

    /// `TemporaryFileSystem=`: `PATH[:OPTIONS]` words, as systemd's: the
    /// options are tmpfs's, comma-separated (`ro`, `rw`, `mode=`, `size=`,
    /// `nr_inodes=`); the mode defaults to 0755.
    private static func addTemporaryFileSystems(_ value: String, to mounts: inout [TemporaryMount]) throws(ValueError) {
        guard !value.isEmpty else {
            mounts = []
            return
        }
        for word in value.split(separator: " ") {
            let parts = word.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let path = String(parts[0])
            guard path.hasPrefix("/"), path != "/" else { throw ValueError("\(path) is not an absolute path below /") }
            var readOnly = false
            var options = ["mode=0755"]
            for option in parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : [] {
                switch option.split(separator: "=", maxSplits: 1).first.map(String.init) {
                case "ro" where !option.contains("="): readOnly = true
                case "rw" where !option.contains("="): readOnly = false
                case "mode":
                    guard option.dropFirst(5).allSatisfy({ ("0"..."7").contains($0) }), option.count > 5 else {
                        throw ValueError("\(option): the mode is an octal number")
                    }
                    options.removeAll { $0.hasPrefix("mode=") }
                    options.append(option)
                case "size", "nr_inodes":
                    let amount = option.split(separator: "=", maxSplits: 1).dropFirst().first ?? ""
                    guard !amount.isEmpty, amount.allSatisfy({ $0.isNumber || "kKmMgG%".contains($0) }) else {
                        throw ValueError("\(option): an amount such as 64m, 10% or 1000")
                    }
                    options.append(option)
                default: throw ValueError("\(option) is not an option of TemporaryFileSystem= (ro, rw, mode=, size=, nr_inodes=)")
                }
            }
            mounts.append(TemporaryMount(path: path, options: options.joined(separator: ","), readOnly: readOnly))
        }
    }

    /// A system call name or `@group`: lower-case letters, digits, `_` and `-`.
    private static func systemCallWord(_ word: String) -> Bool {
        let name = word.hasPrefix("@") ? word.utf8.dropFirst() : word.utf8[...]
        return !name.isEmpty && name.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    private static func addressFamilyWord(_ word: String) -> Bool {
        word == "none" || SandboxSettings.addressFamilyNumbers[word] != nil
    }

    /// `SystemCallErrorNumber=`: an errno name or number, or `kill`.
    private static func errorNumber(_ value: String) throws(ValueError) -> Int32? {
        if value == "kill" { return nil }
        if let number = SandboxSettings.errorNumbers[value] { return number }
        if let number = Int32(value), (1...4095).contains(number) { return number }
        throw ValueError("not an errno name (such as EPERM), a number from 1 to 4095, or kill")
    }

    /// A boolean as systemd reads one.
    private static func boolean(_ value: String) throws(ValueError) -> Bool {
        switch value.lowercased() {
        case "1", "yes", "y", "true", "t", "on": return true
        case "0", "no", "n", "false", "f", "off": return false
        default: throw ValueError("not a boolean (yes or no)")
        }
    }

    /// `refuse` or `wait`: whether a put into a full tube waits.
    private static func fullTubeAction(_ value: String) throws(ValueError) -> Bool {
        switch value {
        case "refuse": return false
        case "wait": return true
        default: throw ValueError("use refuse or wait")
        }
    }

    /// beanstalkd's rule, as the protocol applies it.
    private static func tubeName(_ value: String) throws(ValueError) -> String {
        let valid = TubeName.isValid(value)
        guard valid else {
            throw ValueError("not a tube name (1 to 200 bytes of letters, digits and -+/;.$_(), not starting with -)")
        }
        return value
    }

    private static func command(_ value: String) throws(ValueError) -> [String] {
        let words = try QuotedWords.split(value)
        guard let program = words.first else { throw ValueError("names no program") }
        guard program.hasPrefix("/") else { throw ValueError("the program \(program) is not an absolute path") }
        return words
    }

    private static func integer(_ value: String, in range: ClosedRange<Int>) throws(ValueError) -> Int {
        guard value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw ValueError("not a whole number")
        }
        guard let number = Int(value) else { throw ValueError("too large") }
        guard range.contains(number) else {
            throw ValueError(
                range.upperBound == .max
                    ? "must be at least \(range.lowerBound)"
                    : "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    private static func count(_ value: String) throws(ValueError) -> UInt64 {
        UInt64(try integer(value, in: 0...Int.max))
    }

    /// A time span in seconds, rounded up, as systemd's `LimitCPU=`.
    private static func wholeSeconds(_ value: String) throws(ValueError) -> UInt64 {
        UInt64(try TimeSpan.parse(value).secondsRoundedUp)
    }

    /// The longest span a key takes: beanstalkd's longest TTR, 2^32 - 1
    /// seconds (136 years). Longer ones, added to the clock, overflowed.
    static let longestSpan: Duration = .seconds(Int64(UInt32.max))

    private static func positiveSpan(_ value: String) throws(ValueError) -> Duration {
        let span = try TimeSpan.parse(value)
        guard span > .zero else { throw ValueError("must be more than 0") }
        guard span <= longestSpan else { throw ValueError("must be at most \(UInt32.max)s (136 years)") }
        return span
    }

    /// A user or group name: a letter or `_`, then letters, digits, `_`, `.` or `-`; at most 32 bytes.
    private static func accountName(_ value: String, of kind: String) throws(ValueError) -> String {
        let valid =
            value.utf8.count <= 32 && value.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
        guard valid else {
            throw ValueError("not a \(kind) name (a letter or _, then letters, digits, _ . or -; at most 32 bytes)")
        }
        return value
    }

    /// Adds the `NAME=value` words of `value` to `environment`, or clears it when `value` is empty.
    private static func addEnvironment(_ value: String, to environment: inout [String: String]) throws(ValueError) {
        guard !value.isEmpty else {
            environment = [:]
            return
        }
        for word in try QuotedWords.split(value) {
            guard let equals = word.firstIndex(of: "=") else { throw ValueError("\(word) is not NAME=value") }
            let name = word[..<equals]
            let valid =
                name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            guard valid else {
                throw ValueError("\(name) is not a variable name (letters, digits and _, not starting with a digit)")
            }
            guard !name.hasPrefix("SPOOL_") else {
                throw ValueError("\(name): spoold sets the SPOOL_ variables for each job")
            }
            environment[String(name)] = String(word[word.index(after: equals)...])
        }
    }

    private static func absolutePath(_ value: String) throws(ValueError) -> String {
        guard value.hasPrefix("/") else { throw ValueError("not an absolute path") }
        return value
    }
}
