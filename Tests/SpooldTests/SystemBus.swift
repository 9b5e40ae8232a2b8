import Foundation
import SpoolTestSupport

/// A private dbus-daemon of the system type for one test, with the stock
/// default-deny policy and the project's policy file (`dbus/`), as on an
/// installed system. With `permissive`, a session-type bus that allows
/// everything instead, to reach spoold's own authorization checks.
final class SystemBus {
    /// The bus's address, for `--bus`, `busctl --address` and `dbus-send --bus`.
    let address: String
    private let pid: Int32

    init(permissive: Bool = false) throws {
        let directory = try TestScratch.temporaryDirectory()
        let config = directory.appendingPathComponent("bus.conf")
        try (permissive ? Self.permissive : Self.system)
            .replacingOccurrences(of: "@SOCKET@", with: directory.appendingPathComponent("bus").path)
            .replacingOccurrences(of: "@POLICY@", with: TestEnvironment.packageRoot.appendingPathComponent("dbus").path)
            .write(to: config, atomically: true, encoding: .utf8)
        let printed = directory.appendingPathComponent("started").path
        // --fork returns once the bus listens. The daemon keeps the
        // descriptors it inherits, so its output goes to a file, and it is
        // started with posix_spawn: Foundation's Process would wait for the
        // daemon itself.
        let status = try spawnAndWait(
            "/usr/bin/dbus-daemon", ["--config-file=\(config.path)", "--fork", "--print-address=1", "--print-pid=1"], output: printed)
        let lines = try String(contentsOfFile: printed, encoding: .utf8).split(separator: "\n")
        guard status == 0, lines.count >= 2, let pid = Int32(lines[1]) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "dbus-daemon did not start (status \(status))"])
        }
        address = String(lines[0])
        self.pid = pid
    }

    deinit {
        // SIGKILL: the daemon inherits the test runner's blocked signals, SIGTERM among them.
        kill(pid, SIGKILL)
    }

    /// Makes sure a system user `name` exists, in exactly the groups `groups`
    /// (created when missing); returns its uid.
    static func user(_ name: String, groups: [String]) throws -> uid_t {
        for group in groups where getgrnam(group) == nil {
            _ = try runCommand("/usr/sbin/groupadd", ["--system", group])
        }
        if getpwnam(name) == nil {
            _ = try runCommand("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        }
        _ = try runCommand("/usr/sbin/usermod", ["-G", groups.joined(separator: ","), name])
        guard let user = getpwnam(name) else { throw POSIXError(.ENOENT) }
        return user.pointee.pw_uid
    }

    private static let system = """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>system</type>
          <listen>unix:path=@SOCKET@</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow user="*"/>
            <deny own="*"/>
            <deny send_type="method_call"/>
            <allow send_type="signal"/>
            <allow send_requested_reply="true" send_type="method_return"/>
            <allow send_requested_reply="true" send_type="error"/>
            <allow receive_type="method_call"/>
            <allow receive_type="method_return"/>
            <allow receive_type="error"/>
            <allow receive_type="signal"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
          </policy>
          <policy user="root">
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
          </policy>
          <includedir>@POLICY@</includedir>
        </busconfig>
        """

    private static let permissive = """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=@SOCKET@</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow user="*"/>
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """
}
