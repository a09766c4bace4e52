import Foundation

extension PurchaseSummary {
    /// Column names accepted for each input, first the native ones (`patron predict summary`),
    /// then those of `lifetimes` and of the published CDNOW files.
    static let columnAliases: [(field: String, names: [String])] = [
        ("customer_id", ["customer_id", "id", "customer"]),
        ("x", ["x", "frequency"]),
        ("t_x", ["t_x", "recency"]),
        ("T", ["t"]),
        ("monetary", ["monetary", "monetary_value", "zbar"]),
        ("holdout", ["holdout", "frequency_holdout"]),
    ]

    /// Reads a summary CSV with a header: customer id, x, t_x, T (weeks), and optionally the mean
    /// repeat spend and holdout purchases. Errors name the file, line and column.
    public static func read(csvAt path: String) throws(PatronError) -> PurchaseSummary {
        let reader = try LineReader(path: path)
        guard let headerLine = try reader.next() else {
            throw PatronError(.malformedInput, "empty file; expected a header", at: InputLocation(file: path, line: 1))
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                .lowercased()
        }
        var column: [String: Int] = [:]
        for (field, names) in columnAliases {
            if let index = header.firstIndex(where: { names.contains($0) }) { column[field] = index }
        }
        for required in ["customer_id", "x", "t_x", "T"] where column[required] == nil {
            let names = columnAliases.first { $0.field == required }!.names
            throw PatronError(
                .malformedInput, "no '\(required)' column (accepted names: \(names.joined(separator: ", ")))",
                at: InputLocation(file: path, line: 1))
        }
        var summary = PurchaseSummary(keys: [], x: [], tx: [], T: [], monetary: [])
        while let line = try reader.next() {
            if line.allSatisfy({ $0 == " " || $0 == "\r" }) { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            let at = InputLocation(file: path, line: reader.lineNumber)
            guard cells.count == header.count else {
                throw PatronError(
                    .malformedInput, "\(cells.count) columns where the header has \(header.count)", at: at)
            }
            func number(_ field: String) throws(PatronError) -> Double? {
                guard let index = column[field] else { return nil }
                let text = cells[index].trimmingCharacters(in: .whitespaces)
                guard let value = Double(text), value.isFinite, value >= 0 else {
                    throw PatronError(
                        .invalidValue, "'\(text)' is not a non-negative number", at: at.with(field: field))
                }
                return value
            }
            let x = try number("x")!
            let tx = try number("t_x")!
            let T = try number("T")!
            guard x == x.rounded() else {
                throw PatronError(
                    .invalidValue, "x counts repeat purchases: a whole number, not \(x)", at: at.with(field: "x"))
            }
            guard tx <= T else {
                throw PatronError(.invalidValue, "t_x (\(tx)) is after T (\(T))", at: at.with(field: "t_x"))
            }
            summary.keys.append(cells[column["customer_id"]!].trimmingCharacters(in: .whitespaces))
            summary.x.append(x)
            summary.tx.append(tx)
            summary.T.append(T)
            summary.monetary.append(try number("monetary") ?? 0)
            if let holdout = try number("holdout") { summary.holdout.append(holdout) }
        }
        if !summary.holdout.isEmpty && summary.holdout.count != summary.count {
            throw PatronError(.malformedInput, "the holdout column is incomplete", at: InputLocation(file: path))
        }
        return summary
    }

    /// The summary as CSV (`customer_id,x,t_x,T,monetary[,holdout]`), weeks and amounts with up
    /// to 6 decimals, appended to `csv` (the caller flushes it as it grows).
    public func appendCSV(header: Bool, rows: Range<Int>, key: (Int) -> String, to csv: inout CSVBuffer) {
        if header {
            for name in ["customer_id", "x", "t_x", "T", "monetary"] + (holdout.isEmpty ? [] : ["holdout"]) {
                csv.field(name)
            }
            csv.endRow()
        }
        for i in rows {
            csv.field(key(i))
            csv.decimal(x[i])
            csv.decimal(tx[i])
            csv.decimal(T[i])
            csv.decimal(monetary[i])
            if !holdout.isEmpty { csv.decimal(holdout[i]) }
            csv.endRow()
        }
    }
}
