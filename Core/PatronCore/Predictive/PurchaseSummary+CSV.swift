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
        let header = try cells(of: headerLine, at: InputLocation(file: path, line: 1)).map {
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
        let columns = ColumnPlan(
            count: header.count, key: column["customer_id"]!, x: column["x"]!, tx: column["t_x"]!, T: column["T"]!,
            monetary: column["monetary"], holdout: column["holdout"])
        var bounds = [Int](repeating: 0, count: 2 * (header.count + 1))
        while let row = try reader.nextLine({ Self.row($0, columns, &bounds) }) {
            let at = InputLocation(file: path, line: reader.lineNumber)
            let values: RowValues
            switch row {
            case .blank: continue
            case .values(let parsed): values = parsed
            case .columns(let count):
                throw PatronError(.malformedInput, "\(count) columns where the header has \(header.count)", at: at)
            case .number(let field, let text):
                throw PatronError(.invalidValue, "'\(text)' is not a non-negative number", at: at.with(field: field))
            case .quoted(let line):
                // A line with quotes: split carefully, then read its fields as text.
                let cells = try Self.cells(of: Substring(line), at: at)
                guard cells.count == header.count else {
                    throw PatronError(
                        .malformedInput, "\(cells.count) columns where the header has \(header.count)", at: at)
                }
                func number(_ index: Int, _ field: String) throws(PatronError) -> Double {
                    let text = cells[index].trimmingCharacters(in: .whitespaces)
                    guard let value = Double(text), value.isFinite, value >= 0 else {
                        throw PatronError(
                            .invalidValue, "'\(text)' is not a non-negative number", at: at.with(field: field))
                    }
                    return value
                }
                values = RowValues(
                    key: cells[columns.key].trimmingCharacters(in: .whitespaces), x: try number(columns.x, "x"),
                    tx: try number(columns.tx, "t_x"), T: try number(columns.T, "T"),
                    monetary: try columns.monetary.map { i throws(PatronError) in try number(i, "monetary") },
                    holdout: try columns.holdout.map { i throws(PatronError) in try number(i, "holdout") })
            }
            guard values.x == values.x.rounded() else {
                throw PatronError(
                    .invalidValue, "x counts repeat purchases: a whole number, not \(values.x)", at: at.with(field: "x")
                )
            }
            guard values.tx <= values.T else {
                throw PatronError(
                    .invalidValue, "t_x (\(values.tx)) is after T (\(values.T))", at: at.with(field: "t_x"))
            }
            summary.keys.append(values.key)
            summary.x.append(values.x)
            summary.tx.append(values.tx)
            summary.T.append(values.T)
            summary.monetary.append(values.monetary ?? 0)
            if let holdout = values.holdout { summary.holdout.append(holdout) }
        }
        if !summary.holdout.isEmpty && summary.holdout.count != summary.count {
            throw PatronError(.malformedInput, "the holdout column is incomplete", at: InputLocation(file: path))
        }
        return summary
    }

    /// Where each input sits in a row.
    struct ColumnPlan {
        var count: Int
        var key: Int
        var x: Int
        var tx: Int
        var T: Int
        var monetary: Int?
        var holdout: Int?
    }

    struct RowValues {
        var key: String
        var x: Double
        var tx: Double
        var T: Double
        var monetary: Double?
        var holdout: Double?
    }

    /// What one line held.
    enum Row {
        case blank
        case values(RowValues)
        case columns(Int)
        case number(field: String, text: String)
        /// The line has quotes: it is split by ``cells(of:at:)`` instead.
        case quoted(String)
    }

    /// Reads one unquoted line straight from its bytes; `bounds` is scratch space for the field
    /// boundaries (two per field).
    static func row(_ bytes: UnsafeBufferPointer<UInt8>, _ plan: ColumnPlan, _ bounds: inout [Int]) -> Row {
        if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == 13 }) { return .blank }
        if bytes.contains(UInt8(ascii: "\"")) { return .quoted(String(decoding: bytes, as: UTF8.self)) }
        var fields = 0
        var fieldStart = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: ",") {
            if fields < plan.count {
                bounds[2 * fields] = fieldStart
                bounds[2 * fields + 1] = index
            }
            fields += 1
            fieldStart = index + 1
        }
        guard fields == plan.count else { return .columns(fields) }
        func slice(_ field: Int) -> UnsafeBufferPointer<UInt8> {
            var from = bounds[2 * field]
            var to = bounds[2 * field + 1]
            while from < to, bytes[from] == UInt8(ascii: " ") { from += 1 }
            while to > from, bytes[to - 1] == UInt8(ascii: " ") || bytes[to - 1] == 13 { to -= 1 }
            return UnsafeBufferPointer(rebasing: bytes[from..<to])
        }
        var failed: (String, String)?
        func value(_ field: Int, _ name: String) -> Double {
            let text = slice(field)
            if let number = Self.number(text), number.isFinite, number >= 0 { return number }
            if failed == nil { failed = (name, String(decoding: text, as: UTF8.self)) }
            return 0
        }
        let values = RowValues(
            key: String(decoding: slice(plan.key), as: UTF8.self), x: value(plan.x, "x"), tx: value(plan.tx, "t_x"),
            T: value(plan.T, "T"), monetary: plan.monetary.map { value($0, "monetary") },
            holdout: plan.holdout.map { value($0, "holdout") })
        if let (field, text) = failed { return .number(field: field, text: text) }
        return .values(values)
    }

    /// Powers of ten that a Double holds exactly.
    private static let exactPowers: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A decimal number (`38.857143`, `12`, `1e3`): plain decimals of up to 15 digits are read
    /// directly (mantissa / 10^k is then correctly rounded, as strtod's fast path does); anything
    /// else goes through `Double(String)`.
    static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        var plain = !bytes.isEmpty
        for byte in bytes {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                mantissa = mantissa &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                digits += 1
                if seenPoint { fraction += 1 }
            } else if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                plain = false
                break
            }
        }
        if plain && digits > 0 && digits <= 15 && fraction <= 22 {
            return Double(mantissa) / exactPowers[fraction]
        }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// The fields of one CSV line (RFC 4180 quotes, doubled quotes inside; no line breaks in fields).
    static func cells(of line: Substring, at location: InputLocation) throws(PatronError) -> [String] {
        var cells: [String] = []
        var current = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if quoted {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                cells.append(current)
                current = ""
            } else if character != "\r" {
                current.append(character)
            }
            index = line.index(after: index)
        }
        guard !quoted else { throw PatronError(.malformedInput, "unterminated quote", at: location) }
        cells.append(current)
        return cells
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
