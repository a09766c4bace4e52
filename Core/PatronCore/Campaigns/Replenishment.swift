import Foundation

/// When a customer is due to buy a SKU again: the last purchase plus the customer's own median
/// interval between purchases of it (from two purchases on), else the SKU's median interval
/// over all customers. Purchases on the same day count once.
public struct Replenishment: Sendable {
    /// One customer's predicted next purchase of one SKU.
    public struct Due: Hashable, Sendable {
        public var customerID: CustomerID
        public var sku: String
        public var lastBoughtAt: Int64
        public var intervalDays: Int
        public var dueAt: Int64
    }

    /// Works through one SKU's purchases, `(customer, placedAt)` sorted by customer then time.
    /// Rows due before `dueAfter` are left out (they are too old to trigger anything).
    public static func due(sku: String, purchases: [(CustomerID, Int64)], dueAfter: Int64) -> [Due] {
        var perCustomer: [(CustomerID, [Int64])] = []
        for (customer, at) in purchases {
            let day = at / 86_400
            if let last = perCustomer.last, last.0 == customer {
                let times = last.1
                if let previous = times.last, previous / 86_400 == day {
                    perCustomer[perCustomer.count - 1].1[times.count - 1] = at
                } else {
                    perCustomer[perCustomer.count - 1].1.append(at)
                }
            } else {
                perCustomer.append((customer, [at]))
            }
        }
        var all: [Int64] = []
        var own: [CustomerID: Int64] = [:]
        for (customer, times) in perCustomer where times.count >= 2 {
            let gaps = zip(times.dropFirst(), times).map { ($0 - $1 + 43_200) / 86_400 }
            all += gaps
            own[customer] = median(gaps)
        }
        let skuMedian = all.isEmpty ? nil : median(all)
        var out: [Due] = []
        for (customer, times) in perCustomer {
            let ownInterval = own[customer].flatMap { $0 > 0 ? $0 : nil }
            guard let interval = ownInterval ?? skuMedian, interval > 0, let last = times.last else { continue }
            let dueAt = last + interval * 86_400
            if dueAt > dueAfter {
                out.append(
                    Due(customerID: customer, sku: sku, lastBoughtAt: last, intervalDays: Int(interval), dueAt: dueAt))
            }
        }
        return out
    }

    static func median(_ values: [Int64]) -> Int64 {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// A flow's results: what was sent, what was not and why, and what it earned.
public struct FlowStats: Hashable, Sendable {
    public var flowID: String
    /// Outbox messages by status.
    public var messages: [OutboxMessage.Status: Int]
    /// Decisions by reason (suppressed, deferred, not entered).
    public var decisions: [String: Int]
    /// Runs outside and inside the holdout.
    public var treated: Int
    public var holdout: Int
    /// Of those, how many ordered within the attribution window after entering.
    public var treatedConverted: Int
    public var holdoutConverted: Int
    /// Orders within the attribution window after a message of the flow, and their revenue.
    public var attributedOrders: Int
    public var attributedRevenueMinor: Int64

    public init(
        flowID: String, messages: [OutboxMessage.Status: Int], decisions: [String: Int], treated: Int, holdout: Int,
        treatedConverted: Int, holdoutConverted: Int, attributedOrders: Int, attributedRevenueMinor: Int64
    ) {
        self.flowID = flowID
        self.messages = messages
        self.decisions = decisions
        self.treated = treated
        self.holdout = holdout
        self.treatedConverted = treatedConverted
        self.holdoutConverted = holdoutConverted
        self.attributedOrders = attributedOrders
        self.attributedRevenueMinor = attributedRevenueMinor
    }

    public var treatedRate: Double? { treated > 0 ? Double(treatedConverted) / Double(treated) : nil }
    public var holdoutRate: Double? { holdout > 0 ? Double(holdoutConverted) / Double(holdout) : nil }
    /// Relative lift of the treated group's conversion rate over the holdout's (0.25 = +25 %);
    /// `nil` without a holdout or when the holdout never converted.
    public var lift: Double? {
        guard let t = treatedRate, let h = holdoutRate, h > 0 else { return nil }
        return t / h - 1
    }
}
