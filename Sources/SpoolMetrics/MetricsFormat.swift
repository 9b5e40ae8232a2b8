/// The two text formats of a metrics scrape.
public enum MetricsFormat: Sendable, Equatable {
    /// Prometheus's text exposition format, version 0.0.4.
    case prometheus
    /// OpenMetrics 1.0.0, which a scraper asks for in its `Accept` header.
    case openMetrics

    /// The format a scraper asks for: OpenMetrics when one of the media
    /// ranges of its `Accept` header is `application/openmetrics-text` (with
    /// any parameters), Prometheus's text format otherwise.
    public init(accept: String?) {
        let ranges = accept?.split(separator: ",") ?? []
        let asksForOpenMetrics = ranges.contains { range in
            range.drop(while: { $0 == " " || $0 == "\t" }).lowercased().hasPrefix("application/openmetrics-text")
        }
        self = asksForOpenMetrics ? .openMetrics : .prometheus
    }

    /// The `Content-Type` of a scrape in this format.
    public var contentType: String {
        switch self {
        case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }
}
