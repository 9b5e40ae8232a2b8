import DBus
import SpoolControlAPI
import SystemAccounts

#if canImport(Glibc)
import Glibc
#endif

/// Decides who may change Spool: root, and the members of group
/// `spool-admin`. The bus policy refuses everyone else before a call
/// arrives; this is the second line of defence, by the caller's uid and
/// groups as the bus reports them (`GetConnectionCredentials`: the groups
/// the caller's process had when it connected, as the bus's policy sees
/// them too).
///
/// The group's id is looked up when a caller other than root asks, not at
/// start: a group made while spoold runs counts at once (a member added
/// counts from their next login, whose processes have the group), and a
/// start loads no name-service module (such as libnss_systemd) that nobody
/// may ever need.
struct Authorizer: Sendable {
    /// The name of the group whose members may change things.
    let adminGroup: String

    init(adminGroup: String = ControlNames.adminGroup) {
        self.adminGroup = adminGroup
    }

    /// Returns when the caller may change things; throws `AccessDenied` otherwise.
    func requireAdmin(_ call: MethodCall, to action: String) async throws {
        let credentials = try await call.credentials()
        if credentials.userID == 0 { return }
        if let adminGroupID = Self.groupID(named: adminGroup), Self.groups(of: credentials).contains(adminGroupID) { return }
        throw DBusError.accessDenied(
            "\(action) requires root or membership of group \(adminGroup) (caller uid \(credentials.userID))")
    }

    /// The id of group `name` in the group database, or nil when it has none
    /// (or cannot be read).
    private static func groupID(named name: String) -> gid_t? {
        (try? AccountDatabase.lookUp({ getgrnam_r(name, $0, $1, $2, $3) }, \.gr_gid)) ?? nil
    }

    /// The caller's groups: those the bus reports (dbus-daemon does on
    /// Linux), else, from a bus that reports none, the user's groups in the
    /// user database.
    private static func groups(of credentials: Credentials) -> [gid_t] {
        guard credentials.groupIDs.isEmpty else { return credentials.groupIDs }
        let user = try? AccountDatabase.lookUp({ getpwuid_r(credentials.userID, $0, $1, $2, $3) }) { entry in
            (name: String(cString: entry.pw_name), group: entry.pw_gid)
        }
        guard let user = user ?? nil else { return [] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user.name, user.group, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(user.name, user.group, &groups, &count) >= 0 else { return [] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
