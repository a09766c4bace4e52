import Foundation

/// How exported segment members are written: `customer_id` first, then the chosen fields in the
/// order given; amounts as decimals, dates as RFC 3339 UTC, lists joined by `|` in CSV.
public enum SegmentExport {
    /// The default columns of `patron segment export`.
    public static let defaultFields = ["email", "country", "orders.count", "orders.total", "orders.last_at"]

    /// Resolves a comma-separated field list; unknown names are an error with a suggestion.
    public static func fields(_ list: String?) throws(PatronError) -> [SegmentField] {
        let names =
            list.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? defaultFields
        var fields: [SegmentField] = []
        for name in names where !name.isEmpty {
            guard let field = SegmentCatalogue.field(named: name) else {
                let hint = SegmentCatalogue.suggestion(for: name).map { " — did you mean '\($0)'?" } ?? ""
                throw PatronError(.invalidArgument, "--fields: unknown field '\(name)'\(hint)")
            }
            fields.append(field)
        }
        return fields
    }

    /// The CSV header line.
    public static func csvHeader(_ fields: [SegmentField]) -> String {
        (["customer_id"] + fields.map(\.name)).map(CSV.field).joined(separator: ",")
    }

    /// Appends one member as a CSV row. Text cells that a spreadsheet would run as a formula get
    /// a leading `'` unless `guardFormulas` is off; numbers, amounts and dates are left alone,
    /// and so are well-formed phones and emails (``SegmentField/isAddress``).
    public static func appendCSV(
        _ row: some SegmentRow, fields: [SegmentField], digits: Int, guardFormulas: Bool = true, to csv: inout CSVBuffer
    ) {
        row.withKey { csv.text(utf8: $0, guardFormulas: guardFormulas) }
        for (index, field) in fields.enumerated() {
            if row.isNull(index) {
                csv.field(utf8: UnsafeBufferPointer(start: nil, count: 0))
                continue
            }
            switch field.type {
            case .money: csv.money(row.integer(index), digits: digits)
            case .instant: csv.timestamp(row.integer(index))
            case .integer: csv.field(row.integer(index))
            case .decimal(let places): csv.decimal(Double(row.integer(index)) / pow(10, Double(places)), digits: places)
            case .string where field.isAddress:
                row.withText(index) { csv.address(utf8: $0, guardFormulas: guardFormulas) }
            case .string, .enumeration: row.withText(index) { csv.text(utf8: $0, guardFormulas: guardFormulas) }
            case .stringList:
                row.withText(index) {
                    csv.text(
                        utf8: $0, guardFormulas: guardFormulas, replacing: segmentListSeparator,
                        with: UInt8(ascii: "|"))
                }
            }
        }
        csv.endRow()
    }

    /// Appends one member, given as its key and values, as a CSV row.
    public static func appendCSV(
        key: String, values: [SegmentValue?], fields: [SegmentField], digits: Int, guardFormulas: Bool = true,
        to csv: inout CSVBuffer
    ) {
        appendCSV(
            SegmentValuesRow(key: key, values: values), fields: fields, digits: digits, guardFormulas: guardFormulas,
            to: &csv)
    }

    /// One member as a JSON object (keys in column order).
    public static func json(_ row: some SegmentRow, fields: [SegmentField], digits: Int) -> String {
        json(key: row.key, values: row.values(fields), fields: fields, digits: digits)
    }

    /// One member, given as its key and values, as a JSON object (keys in column order).
    public static func json(key: String, values: [SegmentValue?], fields: [SegmentField], digits: Int) -> String {
        var json = JSONWriter()
        json.open()
        json.field("customer_id", key)
        for (field, value) in zip(fields, values) {
            json.key(field.name)
            switch (field.type, value) {
            case (_, nil): json.raw("null")
            case (.money, .integer(let minor)?): json.string(Money.decimalString(minor, digits: digits))
            case (.decimal(let places), .integer(let scaled)?):
                var number = CSVBuffer(capacity: 32)
                number.decimal(Double(scaled) / pow(10, Double(places)), digits: places)
                json.raw(String(decoding: number.bytes, as: UTF8.self))
            case (.instant, .integer(let seconds)?): json.string(Timestamp.format(seconds))
            case (_, .integer(let number)?): json.raw(String(number))
            case (_, .text(let text)?): json.string(text)
            case (_, .list(let items)?): json.array(items)
            }
        }
        json.close()
        return json.text
    }
}
