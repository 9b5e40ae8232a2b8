import Foundation
import SpoolTestSupport
import XCTest

/// spoold's command line, run as a real process.
final class CommandLineTests: XCTestCase {
    private func spoold(_ arguments: [String]) throws -> CommandResult {
        try runCommand(TestEnvironment.spoold.path, arguments, timeout: 30)
    }

    func testHelpDocumentsEveryFlag() throws {
        let result = try spoold(["--help"])
        XCTAssertEqual(result.status, 0)
        for flag in ["--listen", "-l", "-p", "-z", "-b", "--state-directory", "--durability", "interval:MS", "nosync", "-f", "-F", "-V", "-v", "SIGUSR1", "SIGTERM"] {
            XCTAssertTrue(result.output.contains(flag), "--help lacks \(flag):\n\(result.output)")
        }
        XCTAssertEqual(try spoold(["-h"]).output, result.output)
    }

    /// `-p 0`, as some test suites start servers: the kernel picks the
    /// port, and the log says which (it had said only port 0).
    func testPortZeroLogsThePortTheKernelChose() throws {
        let process = Process()
        process.executableURL = TestEnvironment.spoold
        process.arguments = ["-l", "127.0.0.1", "-p", "0", "--bus", "none"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var log = ""
        var port: Int?
        let end = Date().addingTimeInterval(10)
        while port == nil, Date() < end {
            var readable = pollfd(fd: errors.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 100) == 1 else { continue }
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
            if let line = log.split(separator: "\n").first(where: { $0.contains("listening on the port the kernel chose") }),
               let field = line.split(separator: " ").first(where: { $0.hasPrefix("port=") }) {
                port = Int(field.dropFirst("port=".count))
            }
        }
        let chosen = try XCTUnwrap(port, log)
        XCTAssertNotEqual(chosen, 0)
        let client = try JobClient(port: chosen)
        XCTAssertEqual(client.put("on the chosen port"), "INSERTED 1")
    }

    func testVersion() throws {
        let result = try spoold(["-v"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.output.hasPrefix("spoold "), result.output)
    }

    func testConflictingOrBadDurabilityIsRejected() throws {
        for arguments in [["-f", "50", "-F"], ["--durability", "off", "-f", "0"], ["--durability", "sometimes"], ["--durability", "interval:0"]] {
            let result = try spoold(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.output.contains("--durability") || result.output.contains("-F"), result.output)
        }
    }

    /// getopt's forms, as beanstalkd takes them: clustered flags, a short
    /// option's value joined, `--name=value`; a bad command line exits 64
    /// with one line naming the option.
    func testGetoptFormsAndUsageErrors() throws {
        XCTAssertEqual(try spoold(["-VVv"]).output, try spoold(["--version"]).output)
        for (arguments, message) in [(["--bogus"], "unknown option '--bogus'"), (["-x"], "unknown option '-x'"),
                                     (["-p"], "-p needs a value"), (["-p", "eleven"], "-p needs a number, not 'eleven'"),
                                     (["--version=1"], "--version takes no value"), (["stray"], "unexpected argument 'stray'"),
                                     (["--when-full", "block"], "bad --when-full 'block': use refuse or wait"),
                                     (["--max-bytes", "lots"], "--max-bytes needs a size such as 4096, 512K, 64M or 2G, not 'lots'"),
                                     (["--max-jobs", "-1"], "--max-jobs needs a number, not '-1'")] {
            let result = try spoold(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.output.hasPrefix("spoold: \(message)\n"), "\(arguments): \(result.output)")
        }
        let directory = try TestScratch.temporaryDirectory()
        let port = try TestScratch.freePort()
        let process = Process()
        process.executableURL = TestEnvironment.spoold
        process.arguments = ["-l127.0.0.1", "-p\(port)", "--listen=unix:\(directory.path)/s.sock", "--bus=none", "-VV"]
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        XCTAssertTrue(Deadline.poll(for: 10) { (try? RawClient(port: port)) != nil }, "listening on -p\(port)")
        XCTAssertTrue(Deadline.poll(for: 10) { (try? RawClient(unixPath: "\(directory.path)/s.sock")) != nil }, "listening on --listen=")
    }

    func testBadArgumentsAreRejectedClearly() throws {
        let listen = try spoold(["--listen", "udp:1.2.3.4:5"])
        XCTAssertNotEqual(listen.status, 0)
        XCTAssertTrue(listen.output.contains("bad --listen address"), listen.output)
        let size = try spoold(["-z", "0"])
        XCTAssertNotEqual(size.status, 0)
        XCTAssertTrue(size.output.contains("-z"), size.output)
    }

    func testBeanstalkdStyleAndUnixListeners() throws {
        let directory = try TestScratch.temporaryDirectory()
        let path = directory.appendingPathComponent("spool.sock").path
        let port = try TestScratch.freePort()
        let process = Process()
        process.executableURL = TestEnvironment.spoold
        process.arguments = ["-l", "127.0.0.1", "-p", "\(port)", "--listen", "unix:\(path)"]
        try process.run()
        defer {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        let deadline = Date().addingTimeInterval(10)
        var client: RawClient?
        while client == nil, Date() < deadline {
            client = try? RawClient(port: port)
            if client == nil { usleep(10_000) }
        }
        let tcp = try XCTUnwrap(client)
        tcp.send("use over-tcp\r\n")
        XCTAssertEqual(tcp.readLine(), "USING over-tcp\r\n")
        let unix = try runCommand("/usr/bin/env", ["python3", "-c", """
            import socket; s = socket.socket(socket.AF_UNIX); s.connect('\(path)')
            s.sendall(b'list-tube-used\\r\\n'); print(s.recv(100).decode(), end='')
            """])
        XCTAssertEqual(unix.output, "USING default\r\n")
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the socket file is removed at exit")
    }

    /// A part that cannot start stops those already started and ends spoold
    /// with one line naming it and status 1: the listeners when the control
    /// plane's bus is not there (the port is free again at once, the store's
    /// lock too), the store when the port is taken.
    func testAPartThatCannotStartStopsTheOthersWithAClearMessage() throws {
        let directory = try TestScratch.temporaryDirectory().path
        let port = try TestScratch.freePort()
        let noBus = try spoold(["-l", "127.0.0.1", "-p", "\(port)", "-b", directory, "--bus", "unix:path=\(directory)/no-bus"])
        XCTAssertEqual(noBus.status, 1, noBus.output)
        XCTAssertTrue(noBus.output.contains("spoold: cannot start the D-Bus control plane on unix:path=\(directory)/no-bus: "), noBus.output)
        XCTAssertTrue(noBus.output.contains("store opened"), "the store had started: \(noBus.output)")

        let holder = try ServerProcess.spoold(["-b", directory], port: port)
        let taken = try spoold(["-l", "127.0.0.1", "-p", "\(port)", "--bus", "none"])
        XCTAssertEqual(taken.status, 1, taken.output)
        XCTAssertTrue(taken.output.contains("spoold: cannot listen: "), taken.output)
        XCTAssertEqual(holder.stop(), 0, "the first spoold took the port and the store after the failed start")
    }
}
