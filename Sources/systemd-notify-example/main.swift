// A minimal socket-activated, Type=notify service built on the Systemd
// module: it lists the sockets it was given, logs to the journal when run by
// systemd, reports itself ready, pings the watchdog once if one is set, and
// exits. See Examples/systemd/README.md.
import Logging
import Systemd

// Take the sockets first, while the process has a single thread.
let sockets = try SocketActivation.takeListeningSockets()
LoggingSystem.bootstrap { label in
    SystemdLogging.handler(label: label, identifier: "systemd-notify-example")
}
let logger = Logger(label: "example")

for socket in sockets {
    print("fd=\(socket.fileDescriptor) name=\(socket.name)")
}
logger.info("ready", metadata: ["socket-count": "\(sockets.count)"])

let notifier = ServiceNotifier()
try notifier.notify(.ready, .status("serving \(sockets.count) activated socket(s)"))
if try Watchdog.interval() != nil {
    try notifier.notify(.watchdog)
}
