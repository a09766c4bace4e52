import Foundation

/// One order as `patron export orders` writes it.
public struct OrderExportRow: Sendable, Hashable {
    public var ref: String
    public var source: String
    /// How reports name the customer (primary ref, else `patron:N`).
    public var customerKey: String
    public var placedAt: Int64
    public var status: String
    public var currency: CurrencyCode
    public var totalMinor: Int64
    public var refundedMinor: Int64
    public var lines: Int

    public init(
        ref: String, source: String, customerKey: String, placedAt: Int64, status: String, currency: CurrencyCode,
        totalMinor: Int64, refundedMinor: Int64, lines: Int
    ) {
        self.ref = ref
        self.source = source
        self.customerKey = customerKey
        self.placedAt = placedAt
        self.status = status
        self.currency = currency
        self.totalMinor = totalMinor
        self.refundedMinor = refundedMinor
        self.lines = lines
    }
}

/// The CSV of `patron export orders`: a stable column order, amounts as decimals of the order's
/// currency, times as RFC 3339 UTC.
public enum OrderExport {
    public static let columns = [
        "order_id", "source", "customer_id", "placed_at", "status", "currency", "total", "refunded", "net", "lines",
    ]

    /// Appends one order as a CSV row; text that a spreadsheet would run as a formula gets a
    /// leading `'` unless `guardFormulas` is off.
    public static func appendCSV(_ order: OrderExportRow, guardFormulas: Bool = true, to csv: inout CSVBuffer) {
        let digits = order.currency.minorUnitDigits
        for text in [order.ref, order.source, order.customerKey] {
            var text = text
            text.withUTF8 { csv.text(utf8: $0, guardFormulas: guardFormulas) }
        }
        csv.timestamp(order.placedAt)
        csv.field(order.status)
        csv.field(order.currency.code)
        csv.money(order.totalMinor, digits: digits)
        csv.money(order.refundedMinor, digits: digits)
        csv.money(order.totalMinor - order.refundedMinor, digits: digits)
        csv.field(order.lines)
        csv.endRow()
    }
}
