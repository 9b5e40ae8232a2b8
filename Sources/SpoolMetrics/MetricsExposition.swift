import SpoolCore

/// Writes metric families in the text format a scraper asked for
/// (``MetricsFormat``): `# HELP` and `# TYPE` lines, then the samples, with
/// label values escaped, and OpenMetrics's `# EOF` at the end.
///
/// Counter and info families are named without their `_total` and `_info`
/// suffixes: OpenMetrics names the family so and its samples with them, and
/// Prometheus's format names both with them.
public struct MetricsExposition {
    /// What kind of family a name stands for.
    public enum Kind: String, Sendable {
        case counter
        case gauge
        case histogram
        case info
    }

    /// The format written.
    public let format: MetricsFormat
    private var text = ""

    /// An empty scrape in `format`.
    public init(format: MetricsFormat) {
        self.format = format
        text.reserveCapacity(16 * 1024)
    }

    /// Adds a family of gauges, one sample per label set.
    public mutating func gauge(_ name: String, help: String, _ samples: [(MetricLabels, Double)]) {
        header(name, .gauge, help: help)
        for (labels, value) in samples { sample(name, labels, value) }
    }

    /// Adds a gauge without labels.
    public mutating func gauge(_ name: String, help: String, _ value: Double) {
        gauge(name, help: help, [([], value)])
    }

    /// Adds a family of counters named `name` (without `_total`).
    public mutating func counter(_ name: String, help: String, _ samples: [(MetricLabels, Double)]) {
        header(name, .counter, help: help)
        for (labels, value) in samples { sample(name + "_total", labels, value) }
    }

    /// Adds a counter without labels.
    public mutating func counter(_ name: String, help: String, _ value: Double) {
        counter(name, help: help, [([], value)])
    }

    /// Adds an info family named `name` (without `_info`): one sample of
    /// value 1 whose labels carry the information.
    public mutating func info(_ name: String, help: String, _ labels: MetricLabels) {
        header(name, .info, help: help)
        sample(name + "_info", labels, 1)
    }

    /// Adds a family of histograms: cumulative `_bucket` series by `le`,
    /// `+Inf` last, then `_sum` and `_count`.
    public mutating func histogram(_ name: String, help: String, _ samples: [(MetricLabels, Histogram)]) {
        header(name, .histogram, help: help)
        for (labels, histogram) in samples {
            let cumulative = histogram.cumulativeCounts
            for (index, count) in cumulative.enumerated() {
                let bound = index < histogram.upperBounds.count ? Self.number(histogram.upperBounds[index]) : "+Inf"
                sample(name + "_bucket", labels + [("le", bound)], Double(count))
            }
            sample(name + "_sum", labels, histogram.sum)
            sample(name + "_count", labels, Double(histogram.count))
        }
    }

    /// The scrape's text, ended as its format requires.
    public func finished() -> String {
        format == .openMetrics ? text + "# EOF\n" : text
    }

    // MARK: Lines

    private mutating func header(_ name: String, _ kind: Kind, help: String) {
        let family: String
        switch (format, kind) {
        case (.openMetrics, _): family = name
        case (.prometheus, .counter): family = name + "_total"
        case (.prometheus, .info): family = name + "_info"
        case (.prometheus, _): family = name
        }
        // Prometheus's format has no info type: an info family is a gauge there.
        let type = format == .prometheus && kind == .info ? "gauge" : kind.rawValue
        text += "# HELP \(family) \(escape(help, quotes: format == .openMetrics))\n# TYPE \(family) \(type)\n"
    }

    private mutating func sample(_ name: String, _ labels: MetricLabels, _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { text += "," }
                text += "\(label.name)=\"\(escape(label.value, quotes: true))\""
            }
            text += "}"
        }
        text += " \(Self.number(value))\n"
    }

    private func escape(_ text: String, quotes: Bool) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\n" || (quotes && $0 == "\"") }) else { return text }
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quotes: escaped += "\\\""
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A value as the formats write it: whole numbers without a fraction.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
