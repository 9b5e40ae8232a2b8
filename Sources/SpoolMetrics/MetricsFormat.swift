/// The two text formats of a metrics scrape.
public enum MetricsFormat: Sendable, Equatable {
    /// Prometheus's text exposition format, version 0.0.4.
    case prometheus
    /// OpenMetrics 1.0.0, which a scraper asks for in its `Accept` header.
    case openMetrics

    /// The format a scraper asks for: OpenMetrics when its `Accept` header
    /// names `application/openmetrics-text`, Prometheus's text format otherwise.
    public init(accept: String?) {
        self = accept?.contains("application/openmetrics-text") == true ? .openMetrics : .prometheus
    }

    /// The `Content-Type` of a scrape in this format.
    public var contentType: String {
        switch self {
        case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }
}
