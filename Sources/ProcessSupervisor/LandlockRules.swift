/// A Landlock ruleset as a list, which the handler's child builds itself
/// after its own mounts (see ``PrivateMounts``), so that a rule can name a
/// tmpfs that exists only there.
public struct LandlockRules: Sendable, Equatable, Hashable {
    /// One path and the rights allowed beneath it.
    public struct Rule: Sendable, Equatable, Hashable {
        /// A directory (the rights hold beneath it) or a file.
        public let path: String
        /// Landlock's access rights (`LANDLOCK_ACCESS_FS_*`).
        public let rights: UInt64
        /// Whether the rule is left out when the path is missing or out of the handler's reach.
        public let optional: Bool

        /// A rule allowing `rights` beneath `path`.
        public init(path: String, rights: UInt64, optional: Bool) {
            self.path = path
            self.rights = rights
            self.optional = optional
        }
    }

    /// The rights the ruleset handles: denied everywhere but where a rule allows them.
    public let handled: UInt64
    /// The rules.
    public let rules: [Rule]

    /// A ruleset handling `handled`, with `rules`.
    public init(handled: UInt64, rules: [Rule]) {
        self.handled = handled
        self.rules = rules
    }
}
