/// Suggestions for misspelt names, from the Levenshtein distance between them.
enum EditDistance {
    /// The candidate `word` was most likely meant to be: the closest one,
    /// ignoring case, when it is at most a quarter of its length away (at least one edit).
    static func closest(to word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { (candidate: $0, distance: distance(word.lowercased(), $0.lowercased())) }
        return scored.filter { $0.distance <= max(1, $0.candidate.count / 4) }.min { $0.distance < $1.distance }?
            .candidate
    }

    /// The number of single-character insertions, deletions and substitutions from `a` to `b`.
    static func distance(_ a: String, _ b: String) -> Int {
        let target = Array(b)
        var previous = Array(0...target.count)
        for (i, character) in a.enumerated() {
            var current = [i + 1]
            for (j, other) in target.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (character == other ? 0 : 1)))
            }
            previous = current
        }
        return previous[target.count]
    }
}
