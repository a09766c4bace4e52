import Foundation

/// One customer's RFM inputs as of a date.
public struct RFMFact: Hashable, Sendable {
    public var customerID: CustomerID
    /// The source's id for the customer (the primary ref's id), as shown in reports.
    public var key: String
    /// Days from the last counting order to the as-of date (0 when ordered that day).
    public var recencyDays: Int
    /// Counting orders (in the window, if one is given).
    public var frequency: Int
    /// Sum of the counting orders' totals less refunds, in minor units (in the window, if any).
    public var monetaryMinor: Int64

    public init(customerID: CustomerID, key: String, recencyDays: Int, frequency: Int, monetaryMinor: Int64) {
        self.customerID = customerID
        self.key = key
        self.recencyDays = recencyDays
        self.frequency = frequency
        self.monetaryMinor = monetaryMinor
    }

    /// The definition, over plain orders: what every store's `rfmFacts` must equal.
    ///
    /// Orders placed after the end of `asOf` are ignored; cancelled orders never count; refunds
    /// reduce monetary; $0 orders count for frequency. With `windowDays`, frequency and monetary
    /// count only orders on the `windowDays` days ending with `asOf`, while recency still looks at
    /// the last order overall. Sorted by customer id.
    public static func compute(
        orders: some Sequence<some Order>, keys: [CustomerID: String], asOf: Day, windowDays: Int?
    ) -> [RFMFact] {
        let windowStart = windowDays.map { asOf - ($0 - 1) }
        var byCustomer: [CustomerID: (last: Day, frequency: Int, monetary: Int64)] = [:]
        for order in orders where order.status.counts {
            let day = Day(epochSeconds: order.placedAt)
            guard day <= asOf else { continue }
            let inWindow = windowStart.map { day >= $0 } ?? true
            var entry = byCustomer[order.customerID] ?? (day, 0, 0)
            entry.last = max(entry.last, day)
            if inWindow {
                entry.frequency += 1
                entry.monetary += order.netMinor
            }
            byCustomer[order.customerID] = entry
        }
        return byCustomer.map { id, entry in
            RFMFact(
                customerID: id, key: keys[id] ?? id.reportKey, recencyDays: asOf - entry.last,
                frequency: entry.frequency, monetaryMinor: entry.monetary)
        }.sorted { $0.customerID < $1.customerID }
    }
}

/// One counting order reduced to what retention metrics need.
public struct OrderFact: Hashable, Sendable {
    public var customerID: CustomerID
    public var placedAt: Int64
    public var netMinor: Int64
    public init(customerID: CustomerID, placedAt: Int64, netMinor: Int64) {
        self.customerID = customerID
        self.placedAt = placedAt
        self.netMinor = netMinor
    }
}
