import SpoolQueueFiles
import XCTest

final class QueueConfigurationTests: XCTestCase {
    func testOnlyTubeAndExecStartAreRequiredAndTheRestHasDefaults() throws {
        let queue = try mailQueue()
        XCTAssertEqual(queue.tube, "mail")
        XCTAssertEqual(queue.arguments, ["/bin/true"])
        XCTAssertEqual(queue.workers, 1)
        XCTAssertNil(queue.timeout)
        XCTAssertEqual(queue.maxAttempts, 5)
        XCTAssertEqual(queue.backoff, Backoff(minimum: .seconds(1), maximum: .seconds(300)))
        XCTAssertNil(queue.agingAfter)
        XCTAssertEqual(queue.user, "nobody")
        XCTAssertNil(queue.group)
        XCTAssertEqual(queue.environment, [:])
        XCTAssertEqual(queue.workingDirectory, "/")
        XCTAssertNil(queue.limits.addressSpace)
        XCTAssertNil(queue.limits.openFiles)
        XCTAssertNil(queue.limits.cpuSeconds)
        XCTAssertNil(queue.limits.processes)
    }

    func testEveryKey() throws {
        let text = """
            [Queue]
            Tube=mail.outgoing
            ExecStart=/usr/lib/spool/send-mail --relay "smtp.example.com" -v
            Workers=256
            Timeout=1h 30s
            MaxAttempts=12
            BackoffMin=500ms
            BackoffMax=2min
            AgingAfter=10min
            User=mailer
            Group=mail
            Environment=LANG=C.UTF-8 "GREETING=hello world"
            Environment=RELAY=smtp
            WorkingDirectory=/var/spool/mail out
            LimitAS=512M
            LimitNOFILE=1024
            LimitCPU=30
            LimitNPROC=infinity
            """
        let queue = try QueueConfiguration(parsing: text, path: mailPath)
        XCTAssertEqual(queue.tube, "mail.outgoing")
        XCTAssertEqual(queue.arguments, ["/usr/lib/spool/send-mail", "--relay", "smtp.example.com", "-v"])
        XCTAssertEqual(queue.workers, 256)
        XCTAssertEqual(queue.timeout, .seconds(3630))
        XCTAssertEqual(queue.maxAttempts, 12)
        XCTAssertEqual(queue.backoff, Backoff(minimum: .milliseconds(500), maximum: .seconds(120)))
        XCTAssertEqual(queue.agingAfter, .seconds(600))
        XCTAssertEqual(queue.user, "mailer")
        XCTAssertEqual(queue.group, "mail")
        XCTAssertEqual(queue.environment, ["LANG": "C.UTF-8", "GREETING": "hello world", "RELAY": "smtp"])
        XCTAssertEqual(queue.workingDirectory, "/var/spool/mail out")
        XCTAssertEqual(queue.limits.addressSpace, .limited(512 << 20))
        XCTAssertEqual(queue.limits.openFiles, .limited(1024))
        XCTAssertEqual(queue.limits.cpuSeconds, .limited(30))
        XCTAssertEqual(queue.limits.processes, .unlimited)
    }

    func testKeysMayComeInAnyOrderWithSpacesAroundTheEqualsSign() throws {
        let queue = try QueueConfiguration(
            parsing: "[Queue]\n  Workers = 3\nExecStart =/bin/cat\n\tTube= mail  \n", path: mailPath)
        XCTAssertEqual(queue.tube, "mail")
        XCTAssertEqual(queue.arguments, ["/bin/cat"])
        XCTAssertEqual(queue.workers, 3)
    }

    func testTubeNamesFollowBeanstalkdsRule() throws {
        XCTAssertEqual(try mailQueue().tube, "mail")
        let allCharacters = "Az09-+/;.$_()"
        XCTAssertEqual(
            try QueueConfiguration(parsing: "[Queue]\nTube=\(allCharacters)\nExecStart=/bin/true", path: mailPath).tube,
            allCharacters)
        let longest = String(repeating: "t", count: 200)
        XCTAssertEqual(
            try QueueConfiguration(parsing: "[Queue]\nTube=\(longest)\nExecStart=/bin/true", path: mailPath).tube,
            longest)
    }

    func testWorkersAndMaxAttemptsBounds() throws {
        XCTAssertEqual(try mailQueue("Workers=1").workers, 1)
        XCTAssertEqual(try mailQueue("Workers=256").workers, 256)
        XCTAssertEqual(try mailQueue("Workers=007").workers, 7)
        XCTAssertEqual(try mailQueue("MaxAttempts=1").maxAttempts, 1)
        XCTAssertEqual(try mailQueue("MaxAttempts=1000000").maxAttempts, 1_000_000)
    }

    func testBackoffMayBeASingleDelay() throws {
        XCTAssertEqual(
            try mailQueue("BackoffMin=30s", "BackoffMax=30s").backoff,
            Backoff(minimum: .seconds(30), maximum: .seconds(30)))
        XCTAssertEqual(try mailQueue("BackoffMax=1s").backoff, Backoff(minimum: .seconds(1), maximum: .seconds(1)))
        XCTAssertEqual(
            try mailQueue("BackoffMin=5min").backoff, Backoff(minimum: .seconds(300), maximum: .seconds(300)))
    }

    func testUserAndGroupAreKeptAsWrittenNotResolved() throws {
        let queue = try mailQueue("User=no-such-user_42", "Group=_no.such.group")
        XCTAssertEqual(queue.user, "no-such-user_42")
        XCTAssertEqual(queue.group, "_no.such.group")
        XCTAssertNil(try mailQueue("User=www-data").group)
    }

    func testEnvironmentAddsOverridesAndEmptyAssignmentClears() throws {
        XCTAssertEqual(
            try mailQueue("Environment=A=1 B=2", "Environment=B=3 C=").environment, ["A": "1", "B": "3", "C": ""])
        XCTAssertEqual(try mailQueue("Environment=A=1", "Environment=", "Environment=B=2").environment, ["B": "2"])
        XCTAssertEqual(try mailQueue("Environment=A=1", "Environment=").environment, [:])
        XCTAssertEqual(try mailQueue("Environment=URL=a=b?c=d").environment, ["URL": "a=b?c=d"])
        XCTAssertEqual(
            try mailQueue(#"Environment="MESSAGE=it's \"quoted\"" 'X=a b'"#).environment,
            ["MESSAGE": #"it's "quoted""#, "X": "a b"])
        XCTAssertEqual(try mailQueue("Environment=_lower_9=x").environment, ["_lower_9": "x"])
    }

    func testResourceLimitsAcceptInfinity() throws {
        let limits = try mailQueue(
            "LimitAS=infinity", "LimitNOFILE=infinity", "LimitCPU=infinity", "LimitNPROC=infinity"
        ).limits
        XCTAssertEqual(limits.addressSpace, .unlimited)
        XCTAssertEqual(limits.openFiles, .unlimited)
        XCTAssertEqual(limits.cpuSeconds, .unlimited)
        XCTAssertEqual(limits.processes, .unlimited)
    }

    func testCommentsBlankLinesAndCRLFAreIgnored() throws {
        let text =
            "# a comment\r\n; another\r\n\r\n[Queue]\r\n  # indented comment\r\nTube=mail\r\n\r\nExecStart=/bin/true\r\nWorkers=2\r\n"
        let queue = try QueueConfiguration(parsing: text, path: mailPath)
        XCTAssertEqual(queue.workers, 2)
        XCTAssertEqual(queue.arguments, ["/bin/true"])
    }

    func testABackslashAtTheEndOfALineContinuesItSkippingCommentLines() throws {
        let queue = try mailQueue("Environment=A=1\\", "# between", "  B=2", #"Environment=C=\\"#, "Workers=3")
        XCTAssertEqual(queue.environment, ["A": "1", "B": "2", "C": "\\"])
        XCTAssertEqual(queue.workers, 3)
        let continued = try QueueConfiguration(
            parsing: "[Queue]\nTube=mail\nExecStart=/bin/echo \\\n  one\\\ntwo", path: mailPath)
        XCTAssertEqual(continued.arguments, ["/bin/echo", "one", "two"])
    }

    /// Many continued lines make one (gathered and joined once: joined at
    /// every line, 20,000 of them took seconds).
    func testTwentyThousandContinuedLinesMakeOneLine() throws {
        let text = "[Queue]\nTube=mail\nExecStart=/bin/echo \\\n" + String(repeating: "a \\\n", count: 20_000) + "end\nWorkers=2\n"
        let queue = try QueueConfiguration(parsing: text, path: mailPath)
        XCTAssertEqual(queue.arguments, ["/bin/echo"] + Array(repeating: "a", count: 20_000) + ["end"])
        XCTAssertEqual(queue.workers, 2)
    }

    func testTheQueueSectionMayBeRepeated() throws {
        XCTAssertEqual(try mailQueue("[Queue]", "Workers=2").workers, 2)
    }
}
