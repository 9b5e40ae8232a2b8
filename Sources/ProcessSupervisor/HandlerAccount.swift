import Glibc
import SystemAccounts

/// The user and group ids a handler runs as, looked up by name in the system's
/// account databases (through NSS, so LDAP and the like work) each time a
/// handler starts, so that a changed account needs no reload.
struct HandlerAccount {
    let userID: uid_t
    let groupID: gid_t

    /// The ids of `user`, with the id of `group`, or of the user's primary group when `group` is `nil`.
    /// - Throws: an unknown user or group, or a database that cannot be read.
    init(user: String, group: String?) throws(StartFailure) {
        guard let (userID, primaryGroupID) = try Self.lookUp(user, kind: "user", getpwnam_r, { ($0.pw_uid, $0.pw_gid) })
        else { throw StartFailure("unknown user \"\(user)\"") }
        self.userID = userID
        guard let group else {
            groupID = primaryGroupID
            return
        }
        guard let groupID = try Self.lookUp(group, kind: "group", getgrnam_r, \.gr_gid) else {
            throw StartFailure("unknown group \"\(group)\"")
        }
        self.groupID = groupID
    }

    /// What `value` takes from the entry named `name`, found with the reentrant
    /// `getpwnam_r` or `getgrnam_r`; `nil` when there is no such entry.
    private static func lookUp<Entry, Value>(
        _ name: String, kind: String,
        _ function: (
            UnsafePointer<CChar>, UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int,
            UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
        ) -> Int32,
        _ value: (Entry) -> Value
    ) throws(StartFailure) -> Value? {
        do {
            return try AccountDatabase.lookUp({ function(name, $0, $1, $2, $3) }, value)
        } catch {
            throw StartFailure(call: "cannot look up \(kind) \"\(name)\"", error: error.code)
        }
    }
}
