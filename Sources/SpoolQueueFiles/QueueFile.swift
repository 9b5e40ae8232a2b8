/// The syntax of a queue file, before any key is understood: systemd's INI
/// dialect (`systemd.syntax(7)`) with a single `[Queue]` section.
///
/// Blank lines and lines starting with `#` or `;` are ignored; a line ending in
/// a backslash continues on the next one (the backslash becomes a space).
/// Everything else is a `[Queue]` header or a `Key=value` assignment inside it.
enum QueueFile {
    /// One `Key=value` line, both sides trimmed.
    struct Assignment {
        let key: String
        let value: String
        /// The line the assignment starts on.
        let line: Int
    }

    /// The assignments of `text`, in order.
    /// - Throws: the first line that is neither blank, a comment, a `[Queue]`
    ///   header nor an assignment inside the section.
    static func assignments(in text: String, path: String) throws(QueueConfigurationError) -> [Assignment] {
        var assignments: [Assignment] = []
        var inSection = false
        // A line continued with `\` is gathered in pieces and joined once it
        // ends: joined at every piece, a file of continued lines took time
        // quadratic in its size (80 KB: 9 s).
        var continuedFrom: Int?
        var pieces: [Substring] = []
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, scalars) in lines.enumerated() {
            let raw = Whitespace.trim(Substring(scalars))
            if raw.first == "#" || raw.first == ";" { continue }
            let start = continuedFrom ?? index + 1
            func fail(_ problem: String) -> QueueConfigurationError {
                QueueConfigurationError(path: path, line: start, problem: problem)
            }
            if raw.unicodeScalars.contains("\0") { throw fail("contains a NUL character") }
            if raw.reversed().prefix(while: { $0 == "\\" }).count % 2 == 1, index + 1 < lines.count {
                continuedFrom = start
                pieces.append(raw.dropLast())
                pieces.append(" ")
                continue
            }
            pieces.append(raw)
            let line = pieces.joined()
            pieces.removeAll(keepingCapacity: true)
            continuedFrom = nil
            if line.isEmpty { continue }
            if line.first == "[" {
                guard line.last == "]" else { throw fail("\(line): expected a [Section] header") }
                let name = String(line.dropFirst().dropLast())
                guard name == "Queue" else {
                    let hint = EditDistance.closest(to: name, among: ["Queue"]).map { " (did you mean [\($0)]?)" } ?? ""
                    throw fail("[\(name)]: unknown section; the only section is [Queue]\(hint)")
                }
                inSection = true
                continue
            }
            guard let equals = line.firstIndex(of: "="), case let key = Whitespace.trim(line[..<equals]), !key.isEmpty
            else {
                throw fail("\(line): expected Key=value")
            }
            guard inSection else { throw fail("\(line): outside the [Queue] section") }
            let value = Whitespace.trim(line[line.index(after: equals)...])
            assignments.append(Assignment(key: String(key), value: String(value), line: start))
        }
        return assignments
    }
}
