/// The protocol's size limits, with beanstalkd's defaults.
public enum ProtocolLimits {
    /// The longest command line, including its CR LF.
    public static let maxLineLength = 224
    /// The default maximum job body size (`max-job-size`).
    public static let defaultMaxJobSize = 65_535
    /// The largest maximum job size `spoold -z` accepts (1 GiB, as beanstalkd).
    public static let maxJobSizeCeiling = 1_073_741_824
}
