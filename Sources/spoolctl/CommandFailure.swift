import DBus
import DurationConversions
import Foundation
import SpoolClient
import SpoolControlAPI

/// What ends a command early: one line for stderr and an exit status.
struct CommandFailure: Error {
    /// The line printed after `spoolctl: `.
    let message: String
    /// The process's exit status.
    let status: ExitStatus

    init(_ message: String, status: ExitStatus = .failure) {
        self.message = message
        self.status = status
    }

    /// The failure a D-Bus error stands for, named after what spoolctl was
    /// doing: calling `member`, of `tube`'s queue when the call was about one.
    init(_ error: DBusError, member: String = "the method", tube: String? = nil) {
        switch error.name.rawValue {
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
            "org.freedesktop.DBus.Error.NoServer", "org.freedesktop.DBus.Error.FileNotFound",
            "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Disconnected",
            "org.freedesktop.DBus.Error.TimedOut":
            self.init("spoold is not running and cannot be started: \(error.message)", status: .unavailable)
        case let name where name.hasPrefix("org.freedesktop.DBus.Error.Spawn."):
            self.init("spoold is not running and cannot be started: \(error.message)", status: .unavailable)
        case "org.freedesktop.DBus.Error.AccessDenied" where error.message.hasPrefix("Rejected send message"):
            // The bus's own refusal, whose text is written for debugging policies.
            self.init(
                "permission denied: the D-Bus policy refuses \(member) to uid \(getuid()) "
                    + "(reads need group \(ControlNames.readerGroup), changes root or group \(ControlNames.adminGroup))",
                status: .permissionDenied)
        case "org.freedesktop.DBus.Error.AccessDenied":
            self.init("permission denied: \(error.message)", status: .permissionDenied)
        case "org.freedesktop.DBus.Error.UnknownObject", ControlNames.Errors.noSuchQueueName.rawValue:
            if let tube {
                self.init("no tube named '\(tube)'", status: .notFound)
            } else {
                self.init(error.message)
            }
        case "org.freedesktop.DBus.Error.InvalidArgs":
            self.init(error.message, status: .usage)
        default:
            self.init(error.message)
        }
    }

    /// The failure a protocol client error stands for; `notFound` says what
    /// a `NOT_FOUND` reply means for the command.
    init(_ error: SpoolClientError, socket: Endpoint, notFound: String) {
        switch error {
        case .connectionFailed(let reason):
            self.init("\(reason) (is spoold.socket running?)", status: .unavailable)
        case .accessDenied(let reason):
            self.init("permission denied: \(reason) (the socket is for root and group \(ControlNames.readerGroup))", status: .permissionDenied)
        case .connectionClosed:
            self.init("spoold at \(socket) closed the connection", status: .unavailable)
        case .timedOut(let limit):
            self.init("spoold at \(socket) did not answer within \(limit.secondsRoundedUp) s", status: .unavailable)
        case .notFound:
            self.init(notFound, status: .notFound)
        case .invalidArgument(let reason):
            self.init(reason, status: .usage)
        case .jobTooBig:
            self.init("the job is larger than spoold accepts (its --max-job-size)", status: .usage)
        case .draining:
            self.init("spoold is draining and takes no new jobs")
        default:
            self.init("spoold answered: \(error)".printable)
        }
    }
}
