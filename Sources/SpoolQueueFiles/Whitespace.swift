/// The whitespace of systemd's configuration syntax: space, tab, CR and LF.
enum Whitespace {
    static func contains(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    static func contains(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy(contains)
    }

    /// `text` without its leading and trailing whitespace.
    static func trim(_ text: Substring) -> Substring {
        let start = text.drop(while: contains)
        return start[..<(start.lastIndex { !contains($0) }.map(start.index(after:)) ?? start.startIndex)]
    }
}
