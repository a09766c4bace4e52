import Foundation

/// The retention figures a shop watches, as of a date, over counting orders up to that date.
public struct RetentionMetrics: Hashable, Sendable {
    public var asOf: Day
    /// The length of "active" and of the churn periods, in days.
    public var periodDays: Int
    /// All customers in the store.
    public var customers: Int
    /// Customers with at least one counting order.
    public var buyers: Int
    public var orders: Int
    public var revenueMinor: Int64
    /// Buyers with an order in the last `periodDays` days up to `asOf`.
    public var activeCustomers: Int
    /// Average order value: revenue / orders, rounded to the minor unit.
    public var averageOrderValueMinor: Int64
    /// Orders per buyer.
    public var purchaseFrequency: Double
    /// Share of buyers with two or more orders.
    public var repeatPurchaseRate: Double
    /// Of the buyers active in the period before the last one, the share with no order in the last.
    public var churnRate: Double?
    /// Revenue per buyer (historic CLV), rounded to the minor unit.
    public var historicCLVMinor: Int64
    /// The median of all gaps, in days, between one customer's consecutive orders.
    public var medianDaysBetweenOrders: Double?
    public var cohorts: CohortTable

    /// Computes the metrics from orders sorted by customer then time (as ``Store/forEachOrderFact(through:_:)`` gives them).
    public static func compute(facts: [OrderFact], customers: Int, asOf: Day, periodDays: Int) -> RetentionMetrics {
        var accumulator = Accumulator(asOf: asOf, periodDays: periodDays)
        for fact in facts { accumulator.add(fact) }
        return accumulator.finish(customers: customers)
    }

    /// Folds orders, sorted by customer then time, into the metrics in one pass and constant
    /// memory per customer: ten million orders never sit in memory at once.
    public struct Accumulator {
        let asOf: Day
        let periodDays: Int
        let currentStart: Day
        let previousStart: Day
        var buyers = 0
        var repeaters = 0
        var active = 0
        var activeBefore = 0
        var churned = 0
        var orders = 0
        var revenue: Int64 = 0
        /// `gapCounts[d]`: how many consecutive-order gaps were `d` days long.
        var gapCounts: [Int] = []
        var cohorts = CohortTable.Builder()
        // The customer being read.
        var current: CustomerID?
        var ordersOfCurrent = 0
        var inCurrent = false
        var inPrevious = false
        var previousDay = Day(rawValue: 0)
        var firstMonth = 0
        var months: Set<Int> = []

        public init(asOf: Day, periodDays: Int) {
            self.asOf = asOf
            self.periodDays = periodDays
            currentStart = asOf - (periodDays - 1)
            previousStart = currentStart - periodDays
        }

        /// Adds the next order (sorted by customer, then time).
        public mutating func add(_ fact: OrderFact) {
            let day = Day(epochSeconds: fact.placedAt)
            if fact.customerID != current {
                endCustomer()
                current = fact.customerID
                firstMonth = day.monthIndex
            } else {
                let gap = day - previousDay
                if gap >= gapCounts.count { gapCounts += Array(repeating: 0, count: gap - gapCounts.count + 1) }
                gapCounts[gap] += 1
            }
            ordersOfCurrent += 1
            orders += 1
            revenue += fact.netMinor
            if day >= currentStart { inCurrent = true } else if day >= previousStart { inPrevious = true }
            previousDay = day
            months.insert(day.monthIndex)
        }

        mutating func endCustomer() {
            guard current != nil else { return }
            buyers += 1
            if ordersOfCurrent >= 2 { repeaters += 1 }
            cohorts.add(firstMonth: firstMonth, activeMonths: months)
            if inCurrent { active += 1 }
            if inPrevious {
                activeBefore += 1
                if !inCurrent { churned += 1 }
            }
            ordersOfCurrent = 0
            inCurrent = false
            inPrevious = false
            months.removeAll(keepingCapacity: true)
        }

        /// The metrics; `customers` is the store's customer count (buyers or not).
        public mutating func finish(customers: Int) -> RetentionMetrics {
            endCustomer()
            current = nil
            return RetentionMetrics(
                asOf: asOf, periodDays: periodDays, customers: customers, buyers: buyers, orders: orders,
                revenueMinor: revenue, activeCustomers: active,
                averageOrderValueMinor: orders == 0 ? 0 : rounded(revenue, Int64(orders)),
                purchaseFrequency: buyers == 0 ? 0 : Double(orders) / Double(buyers),
                repeatPurchaseRate: buyers == 0 ? 0 : Double(repeaters) / Double(buyers),
                churnRate: activeBefore == 0 ? nil : Double(churned) / Double(activeBefore),
                historicCLVMinor: buyers == 0 ? 0 : rounded(revenue, Int64(buyers)),
                medianDaysBetweenOrders: RetentionMetrics.median(counts: gapCounts),
                cohorts: cohorts.build(
                    lastMonth: asOf.monthIndex, lastMonthIsPartial: (asOf + 1).monthIndex == asOf.monthIndex))
        }
    }

    static func rounded(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        let half = denominator / 2
        return numerator >= 0 ? (numerator + half) / denominator : (numerator - half) / denominator
    }

    /// The median of values given as a histogram (`counts[v]` occurrences of `v`).
    static func median(counts: [Int]) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        func value(at position: Int) -> Int {
            var seen = 0
            for (value, count) in counts.enumerated() {
                seen += count
                if seen > position { return value }
            }
            return counts.count - 1
        }
        let low = value(at: (total - 1) / 2)
        let high = value(at: total / 2)
        return Double(low + high) / 2
    }
}

/// Monthly cohorts: customers grouped by the month of their first order, and how many of them
/// ordered again in each month after.
public struct CohortTable: Hashable, Sendable {
    public struct Row: Hashable, Sendable {
        /// `YYYY-MM` of the first order.
        public var cohort: String
        public var size: Int
        /// `active[m]`: cohort customers with an order in month m after the first (m = 0 is size).
        public var active: [Int]
        /// `active[m] / size`.
        public var retention: [Double] { active.map { size == 0 ? 0 : Double($0) / Double(size) } }
    }

    public var rows: [Row]
    /// Whether the last month of every row is the as-of month still under way (the as-of day is
    /// not its last day): its share is not comparable yet, and reports mark it.
    public var lastMonthIsPartial = false

    struct Builder {
        var sizes: [Int: Int] = [:]
        var active: [Int: [Int: Int]] = [:]

        mutating func add(firstMonth: Int, activeMonths: Set<Int>) {
            sizes[firstMonth, default: 0] += 1
            for month in activeMonths { active[firstMonth, default: [:]][month - firstMonth, default: 0] += 1 }
        }

        func build(lastMonth: Int, lastMonthIsPartial: Bool = false) -> CohortTable {
            CohortTable(
                rows: sizes.keys.sorted().map { month in
                    let span = max(0, lastMonth - month)
                    let counts = (0...span).map { active[month]?[$0] ?? 0 }
                    let year = month / 12
                    let monthOfYear = month % 12 + 1
                    return Row(
                        cohort: "\(year)-\(monthOfYear < 10 ? "0" : "")\(monthOfYear)", size: sizes[month] ?? 0,
                        active: counts)
                }, lastMonthIsPartial: lastMonthIsPartial)
        }
    }
}
