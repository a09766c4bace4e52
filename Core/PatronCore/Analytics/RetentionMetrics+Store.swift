import Foundation

extension RetentionMetrics {
    /// Computes the metrics over a store as of `asOf` (default today, UTC).
    public static func compute<S: Store>(store: S, asOf: Day?, periodDays: Int) throws -> RetentionMetrics {
        guard let span = try store.orderSpan() else {
            throw PatronError(.invalidArgument, "the store has no orders yet (ingest or import some first)")
        }
        let day = asOf ?? .today
        guard day >= span.lowerBound else {
            throw PatronError(.invalidArgument, "as-of \(day) is before the first order (\(span.lowerBound))")
        }
        var accumulator = Accumulator(asOf: day, periodDays: periodDays)
        try store.forEachOrderFact(through: day) { accumulator.add($0) }
        return accumulator.finish(customers: try store.customerCount(createdThrough: day))
    }

    /// A plain-text report.
    public func renderTable(currency: CurrencyCode?) -> String {
        let digits = CurrencyCode.minorUnitDigits(of: currency)
        let code = currency?.code ?? ""
        func money(_ minor: Int64) -> String {
            let text = Money.decimalString(minor, digits: digits)
            let parts = text.split(separator: ".", maxSplits: 1)
            let whole = RFMReport.grouped(String(parts[0]))
            return (parts.count > 1 ? whole + "." + parts[1] : whole) + " " + code
        }
        func count(_ value: Int) -> String { RFMReport.grouped(String(value)) }
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a" }
        let rows: [(String, String)] = [
            ("customers", count(customers)),
            ("customers with an order", count(buyers)),
            ("active customers (last \(periodDays) days)", count(activeCustomers)),
            ("orders", count(orders)),
            ("revenue", money(revenueMinor)),
            ("average order value", money(averageOrderValueMinor)),
            ("purchase frequency (orders per buyer)", String(format: "%.2f", purchaseFrequency)),
            ("repeat purchase rate", percent(repeatPurchaseRate)),
            ("churn rate (active the \(periodDays) days before, not since)", percent(churnRate)),
            ("historic CLV (revenue per buyer)", money(historicCLVMinor)),
            ("median days between orders", medianDaysBetweenOrders.map { String(format: "%.1f", $0) } ?? "n/a"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        var text = "Retention metrics as of \(asOf)\n\n"
        for (name, value) in rows {
            text += name + String(repeating: " ", count: width - name.count + 2) + value + "\n"
        }
        text += "\nMonthly cohorts (share of the cohort ordering in month +n; first 12 months)\n"
        text +=
            "cohort     size"
            + (0..<12).map { n in String(repeating: " ", count: 7 - "+\(n)".count) + "+\(n)" }.joined() + "\n"
        for row in cohorts.rows {
            let size = String(row.size)
            text += row.cohort + String(repeating: " ", count: max(1, 11 - row.cohort.count - size.count + 4)) + size
            let retention = row.retention
            for (month, value) in retention.prefix(12).enumerated() {
                // The as-of month, still under way: marked, so a low share does not read as churn.
                let partial = cohorts.lastMonthIsPartial && month == retention.count - 1
                let cell = String(format: "%.1f%%", value * 100) + (partial ? "*" : "")
                text += String(repeating: " ", count: max(1, 7 - cell.count)) + cell
            }
            text += "\n"
        }
        if cohorts.lastMonthIsPartial {
            text += "* \(asOf.description.prefix(7)) is under way (to \(asOf)): its shares are partial\n"
        }
        return text
    }

    /// The metrics as one JSON object (amounts as decimal strings): ``RetentionMetricsDocument``.
    public func json(currency: CurrencyCode?) -> String {
        PatronJSON.encode(RetentionMetricsDocument(self, currency: currency)) + "\n"
    }
}
