import SpoolQueueFiles
import XCTest

/// Every problem a queue file can have, reported with its file and line.
final class QueueConfigurationErrorTests: XCTestCase {
    private let prefix = "/etc/spool/queues.d/mail.conf"

    func testTheMessageNamesTheFileTheLineAndTheProblem() {
        XCTAssertEqual(mailFailure("Workers=0"), "\(prefix):4: Workers=0: must be between 1 and 256")
        XCTAssertEqual(mailFailure("", "", "", "Workers=0"), "\(prefix):7: Workers=0: must be between 1 and 256")
    }

    func testTheErrorCarriesItsParts() {
        XCTAssertThrowsError(try QueueConfiguration(parsing: "[Queue]\nWorkers=x", path: "/q/a.conf")) { error in
            let error = error as? QueueConfigurationError
            XCTAssertEqual(error?.path, "/q/a.conf")
            XCTAssertEqual(error?.line, 2)
            XCTAssertEqual(error?.problem, "Workers=x: not a whole number")
        }
    }

    func testSyntaxErrors() {
        XCTAssertEqual(failure("Tube=mail\n[Queue]"), "\(prefix):1: Tube=mail: outside the [Queue] section")
        XCTAssertEqual(failure("# comment\n\n[Queue\nTube=mail"), "\(prefix):3: [Queue: expected a [Section] header")
        XCTAssertEqual(failure("[Queue]\nTube=mail\nWorkers 4"), "\(prefix):3: Workers 4: expected Key=value")
        XCTAssertEqual(failure("[Queue]\n=4"), "\(prefix):2: =4: expected Key=value")
        XCTAssertEqual(failure("[Queue]\nTube=ma\0il"), "\(prefix):2: contains a NUL character")
    }

    func testUnknownSectionsAreErrorsWithASuggestion() {
        XCTAssertEqual(
            failure("[Service]\nTube=mail"), "\(prefix):1: [Service]: unknown section; the only section is [Queue]")
        XCTAssertEqual(
            failure("[Queue]\nTube=mail\n[queue]"),
            "\(prefix):3: [queue]: unknown section; the only section is [Queue] (did you mean [Queue]?)")
    }

    func testUnknownKeysAreErrorsWithASuggestion() {
        XCTAssertEqual(mailFailure("Workrs=4"), "\(prefix):4: Workrs=4: unknown key (did you mean Workers=?)")
        XCTAssertEqual(mailFailure("workers=4"), "\(prefix):4: workers=4: unknown key (did you mean Workers=?)")
        XCTAssertEqual(mailFailure("Timout=5s"), "\(prefix):4: Timout=5s: unknown key (did you mean Timeout=?)")
        XCTAssertEqual(mailFailure("Restart=always"), "\(prefix):4: Restart=always: unknown key")
    }

    func testSingleKeysMayNotBeRepeatedOrEmpty() {
        XCTAssertEqual(
            mailFailure("Workers=2", "Workers=3"), "\(prefix):5: Workers=3: Workers= is already set on line 4")
        XCTAssertEqual(mailFailure("Tube=other"), "\(prefix):4: Tube=other: Tube= is already set on line 2")
        XCTAssertEqual(mailFailure("Timeout="), "\(prefix):4: Timeout=: needs a value")
        XCTAssertEqual(failure("[Queue]\nTube=\nExecStart=/bin/true"), "\(prefix):2: Tube=: needs a value")
    }

    func testMissingRequiredKeysNameTheFileWithoutALine() {
        XCTAssertEqual(failure(""), "\(prefix): Tube= is missing from the [Queue] section")
        XCTAssertEqual(failure("[Queue]\nExecStart=/bin/true"), "\(prefix): Tube= is missing from the [Queue] section")
        XCTAssertEqual(
            failure("[Queue]\nTube=mail\nWorkers=2"), "\(prefix): ExecStart= is missing from the [Queue] section")
    }

    func testTube() {
        let rule = "not a tube name (1 to 200 bytes of letters, digits and -+/;.$_(), not starting with -)"
        XCTAssertEqual(failure("[Queue]\nTube=-mail"), "\(prefix):2: Tube=-mail: \(rule)")
        XCTAssertEqual(failure("[Queue]\nTube=mail box"), "\(prefix):2: Tube=mail box: \(rule)")
        XCTAssertEqual(failure("[Queue]\nTube=mail*"), "\(prefix):2: Tube=mail*: \(rule)")
        XCTAssertEqual(failure("[Queue]\nTube=mél"), "\(prefix):2: Tube=mél: \(rule)")
        let tooLong = String(repeating: "t", count: 201)
        XCTAssertEqual(failure("[Queue]\nTube=\(tooLong)"), "\(prefix):2: Tube=\(tooLong): \(rule)")
    }

    func testExecStart() {
        XCTAssertEqual(
            failure("[Queue]\nTube=m\nExecStart=bin/true"),
            "\(prefix):3: ExecStart=bin/true: the program bin/true is not an absolute path")
        XCTAssertEqual(
            failure("[Queue]\nTube=m\nExecStart=-/bin/true"),
            "\(prefix):3: ExecStart=-/bin/true: the program -/bin/true is not an absolute path")
        XCTAssertEqual(
            failure("[Queue]\nTube=m\nExecStart=\"\" /bin/true"),
            "\(prefix):3: ExecStart=\"\" /bin/true: the program  is not an absolute path")
        XCTAssertEqual(
            failure("[Queue]\nTube=m\nExecStart=\"/bin/echo"), "\(prefix):3: ExecStart=\"/bin/echo: has no closing \"")
        XCTAssertEqual(
            failure("[Queue]\nTube=m\nExecStart=/bin/echo 'a"), "\(prefix):3: ExecStart=/bin/echo 'a: has no closing '")
        XCTAssertEqual(
            failure("[Queue]\nTube=m\nExecStart=/bin/echo \\q"),
            "\(prefix):3: ExecStart=/bin/echo \\q: unknown escape \\q")
    }

    func testIntegers() {
        XCTAssertEqual(mailFailure("Workers=257"), "\(prefix):4: Workers=257: must be between 1 and 256")
        XCTAssertEqual(mailFailure("Workers=-1"), "\(prefix):4: Workers=-1: not a whole number")
        XCTAssertEqual(mailFailure("Workers=four"), "\(prefix):4: Workers=four: not a whole number")
        XCTAssertEqual(mailFailure("Workers=2.5"), "\(prefix):4: Workers=2.5: not a whole number")
        XCTAssertEqual(mailFailure("MaxAttempts=0"), "\(prefix):4: MaxAttempts=0: must be at least 1")
        XCTAssertEqual(
            mailFailure("MaxAttempts=99999999999999999999"), "\(prefix):4: MaxAttempts=99999999999999999999: too large")
    }

    func testTimeSpans() {
        XCTAssertEqual(mailFailure("Timeout=0"), "\(prefix):4: Timeout=0: must be more than 0")
        XCTAssertEqual(
            mailFailure("Timeout=soon"),
            "\(prefix):4: Timeout=soon: not a time span (such as 30s, 5min, 1h 30s or 500ms)")
        XCTAssertEqual(
            mailFailure("Timeout=5 years"),
            "\(prefix):4: Timeout=5 years: unknown unit \"years\" (use ns, us, ms, s, min, h, d or w)")
        XCTAssertEqual(mailFailure("AgingAfter=0ms"), "\(prefix):4: AgingAfter=0ms: must be more than 0")
        XCTAssertEqual(mailFailure("BackoffMin=0s"), "\(prefix):4: BackoffMin=0s: must be more than 0")
        XCTAssertEqual(
            mailFailure("BackoffMax=-1s"),
            "\(prefix):4: BackoffMax=-1s: not a time span (such as 30s, 5min, 1h 30s or 500ms)")
        XCTAssertEqual(mailFailure("Timeout=300000w"), "\(prefix):4: Timeout=300000w: too long")
    }

    func testBackoffMinimumAboveMaximumIsReportedAtTheLaterOfTheTwo() {
        XCTAssertEqual(
            mailFailure("BackoffMax=1min", "Workers=2", "BackoffMin=2min"),
            "\(prefix):6: BackoffMin=2min is more than BackoffMax=1min")
        XCTAssertEqual(
            mailFailure("BackoffMin=2min", "BackoffMax=1min"),
            "\(prefix):5: BackoffMin=2min is more than BackoffMax=1min")
        XCTAssertEqual(mailFailure("BackoffMin=10min"), "\(prefix):4: BackoffMin=10min is more than BackoffMax=5min")
        XCTAssertEqual(mailFailure("BackoffMax=500ms"), "\(prefix):4: BackoffMin=1s is more than BackoffMax=500ms")
    }

    func testUserAndGroup() {
        let user = "not a user name (a letter or _, then letters, digits, _ . or -; at most 32 bytes)"
        XCTAssertEqual(mailFailure("User=1000"), "\(prefix):4: User=1000: \(user)")
        XCTAssertEqual(mailFailure("User=mail user"), "\(prefix):4: User=mail user: \(user)")
        XCTAssertEqual(mailFailure("User=-mail"), "\(prefix):4: User=-mail: \(user)")
        XCTAssertEqual(mailFailure("User=élodie"), "\(prefix):4: User=élodie: \(user)")
        XCTAssertEqual(
            mailFailure("User=\(String(repeating: "u", count: 33))"),
            "\(prefix):4: User=\(String(repeating: "u", count: 33)): \(user)")
        XCTAssertEqual(
            mailFailure("Group=wheel!"),
            "\(prefix):4: Group=wheel!: not a group name (a letter or _, then letters, digits, _ . or -; at most 32 bytes)"
        )
    }

    func testEnvironment() {
        XCTAssertEqual(mailFailure("Environment=A=1 B"), "\(prefix):4: Environment=A=1 B: B is not NAME=value")
        XCTAssertEqual(mailFailure("Environment=\"\""), "\(prefix):4: Environment=\"\":  is not NAME=value")
        XCTAssertEqual(
            mailFailure("Environment=1A=x"),
            "\(prefix):4: Environment=1A=x: 1A is not a variable name (letters, digits and _, not starting with a digit)"
        )
        XCTAssertEqual(
            mailFailure("Environment==x"),
            "\(prefix):4: Environment==x:  is not a variable name (letters, digits and _, not starting with a digit)")
        XCTAssertEqual(
            mailFailure("Environment=A-B=x"),
            "\(prefix):4: Environment=A-B=x: A-B is not a variable name (letters, digits and _, not starting with a digit)"
        )
        XCTAssertEqual(
            mailFailure("Environment=SPOOL_TUBE=x"),
            "\(prefix):4: Environment=SPOOL_TUBE=x: SPOOL_TUBE: spoold sets the SPOOL_ variables for each job")
        XCTAssertEqual(mailFailure("Environment=A=\"1"), "\(prefix):4: Environment=A=\"1: has no closing \"")
    }

    func testWorkingDirectory() {
        XCTAssertEqual(
            mailFailure("WorkingDirectory=var/lib"), "\(prefix):4: WorkingDirectory=var/lib: not an absolute path")
        XCTAssertEqual(mailFailure("WorkingDirectory=~"), "\(prefix):4: WorkingDirectory=~: not an absolute path")
    }

    func testResourceLimits() {
        XCTAssertEqual(mailFailure("LimitAS=0"), "\(prefix):4: LimitAS=0: must be more than 0 (or infinity)")
        XCTAssertEqual(
            mailFailure("LimitAS=2X"),
            "\(prefix):4: LimitAS=2X: unknown suffix \"X\" (use K, M, G or T, powers of 1024)")
        XCTAssertEqual(
            mailFailure("LimitAS=2GB"),
            "\(prefix):4: LimitAS=2GB: unknown suffix \"GB\" (use K, M, G or T, powers of 1024)")
        XCTAssertEqual(
            mailFailure("LimitAS=lots"), "\(prefix):4: LimitAS=lots: not a size (such as 4096, 512K, 64M or 2G)")
        XCTAssertEqual(mailFailure("LimitAS=16777216T"), "\(prefix):4: LimitAS=16777216T: too large")
        XCTAssertEqual(mailFailure("LimitNOFILE=0"), "\(prefix):4: LimitNOFILE=0: must be more than 0 (or infinity)")
        XCTAssertEqual(mailFailure("LimitNOFILE=1K"), "\(prefix):4: LimitNOFILE=1K: not a whole number")
        XCTAssertEqual(mailFailure("LimitNOFILE=Infinity"), "\(prefix):4: LimitNOFILE=Infinity: not a whole number")
        XCTAssertEqual(mailFailure("LimitCPU=0"), "\(prefix):4: LimitCPU=0: must be more than 0 (or infinity)")
        XCTAssertEqual(
            mailFailure("LimitCPU=1 fortnight"),
            "\(prefix):4: LimitCPU=1 fortnight: unknown unit \"fortnight\" (use ns, us, ms, s, min, h, d or w)")
        XCTAssertEqual(mailFailure("LimitNPROC=-5"), "\(prefix):4: LimitNPROC=-5: not a whole number")
        XCTAssertEqual(mailFailure("LimitNPROC=0"), "\(prefix):4: LimitNPROC=0: must be more than 0 (or infinity)")
    }

    func testTheFirstProblemInLineOrderIsReported() {
        XCTAssertEqual(mailFailure("Workers=0", "Timeout=x"), "\(prefix):4: Workers=0: must be between 1 and 256")
        XCTAssertEqual(failure("[Queue]\nWorkers=0"), "\(prefix):2: Workers=0: must be between 1 and 256")
    }

    func testAContinuedLineIsReportedAtItsFirstLine() {
        XCTAssertEqual(
            mailFailure("Environment=A=1 \\", "  B", "Workers=2"),
            "\(prefix):4: Environment=A=1  B: B is not NAME=value")
    }
}
