import SpoolCore
import XCTest

@testable import SpoolMetrics

final class MetricsExpositionTests: XCTestCase {
    func testPrometheusFormatNamesCountersWithTotalAndInfoAsGauge() {
        var out = MetricsExposition(format: .prometheus)
        out.counter("spool_commands", help: "Commands.", [([("command", "put")], 3)])
        out.info("spool_build", help: "Build.", [("version", "0.1.0")])
        XCTAssertEqual(out.finished(), """
            # HELP spool_commands_total Commands.
            # TYPE spool_commands_total counter
            spool_commands_total{command="put"} 3
            # HELP spool_build_info Build.
            # TYPE spool_build_info gauge
            spool_build_info{version="0.1.0"} 1

            """)
    }

    func testOpenMetricsNamesFamiliesWithoutSuffixesAndEndsWithEOF() {
        var out = MetricsExposition(format: .openMetrics)
        out.counter("spool_commands", help: "Commands.", [([("command", "put")], 3)])
        out.info("spool_build", help: "Build.", [("version", "0.1.0")])
        XCTAssertEqual(out.finished(), """
            # HELP spool_commands Commands.
            # TYPE spool_commands counter
            spool_commands_total{command="put"} 3
            # HELP spool_build Build.
            # TYPE spool_build info
            spool_build_info{version="0.1.0"} 1
            # EOF

            """)
    }

    func testHistogramsAreCumulativeWithInfLastThenSumAndCount() {
        var histogram = Histogram(upperBounds: [0.5, 1])
        histogram.observe(0.25)
        histogram.observe(0.75)
        histogram.observe(3)
        var out = MetricsExposition(format: .prometheus)
        out.histogram("wait_seconds", help: "Wait.", [([("tube", "a")], histogram)])
        XCTAssertEqual(out.finished(), """
            # HELP wait_seconds Wait.
            # TYPE wait_seconds histogram
            wait_seconds_bucket{tube="a",le="0.5"} 1
            wait_seconds_bucket{tube="a",le="1"} 2
            wait_seconds_bucket{tube="a",le="+Inf"} 3
            wait_seconds_sum{tube="a"} 4
            wait_seconds_count{tube="a"} 3

            """)
    }

    func testLabelValuesAndHelpAreEscaped() {
        var out = MetricsExposition(format: .prometheus)
        out.gauge("g", help: "a \\ b\nc \"q\"", [([("reason", "say \"no\"\\\n")], 0.25)])
        XCTAssertEqual(out.finished(), """
            # HELP g a \\\\ b\\nc "q"
            # TYPE g gauge
            g{reason="say \\"no\\"\\\\\\n"} 0.25

            """)
    }

    func testTheAcceptHeaderChoosesTheFormat() {
        XCTAssertEqual(MetricsFormat(accept: nil), .prometheus)
        XCTAssertEqual(MetricsFormat(accept: "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"), .prometheus)
        XCTAssertEqual(MetricsFormat(accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"), .openMetrics)
        XCTAssertEqual(MetricsFormat(accept: "text/plain;q=0.5, Application/OpenMetrics-Text; version=1.0.0"), .openMetrics)
        XCTAssertEqual(MetricsFormat(accept: "text/x-application/openmetrics-text"), .prometheus)
        XCTAssertTrue(MetricsFormat.openMetrics.contentType.hasPrefix("application/openmetrics-text; version=1.0.0"))
    }
}
