extension String {
    /// The text with its control characters spelled out (`\u{1b}`), for a
    /// terminal: what a server, the bus or a handler sends (a job's reason
    /// quotes a handler's error, which can quote the job's body) must not
    /// reach the terminal as escape sequences.
    var printable: String {
        String(unicodeScalars.flatMap { scalar -> [Character] in
            scalar.properties.generalCategory == .control ? Array("\\u{\(String(scalar.value, radix: 16))}") : [Character(scalar)]
        })
    }
}
