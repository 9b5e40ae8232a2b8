/// A sample's labels, in the order they are written.
public typealias MetricLabels = [(name: String, value: String)]
