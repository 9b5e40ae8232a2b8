/// Columns aligned for people: left-aligned text, right-aligned numbers.
struct Table {
    /// One cell: its text and, on a terminal, its style.
    struct Cell: ExpressibleByStringLiteral {
        var text: String
        var style: Style?

        init(_ text: String, style: Style? = nil) {
            self.text = text.printable
            self.style = style
        }

        init(stringLiteral text: String) {
            self.init(text)
        }
    }

    /// The column titles, upper case like `systemctl list-units`.
    let headers: [String]
    /// Which columns hold numbers (aligned right).
    let numeric: Set<Int>
    private(set) var rows: [[Cell]] = []

    init(_ headers: [String], numeric: Set<Int> = []) {
        self.headers = headers
        self.numeric = numeric
    }

    /// Adds a row of as many cells as there are headers.
    mutating func append(_ row: [Cell]) {
        rows.append(row)
    }

    /// The table as lines, two spaces between columns, no trailing blanks.
    func render(color: Bool = Terminal.usesColor) -> String {
        let all = [headers.map { Cell($0, style: .bold) }] + rows
        let widths = headers.indices.map { column in all.map { $0[column].text.count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.text.count)
                let text = cell.style.map { $0.apply(cell.text, enabled: color) } ?? cell.text
                if numeric.contains(column) { return padding + text }
                return column == row.count - 1 ? text : text + padding
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
