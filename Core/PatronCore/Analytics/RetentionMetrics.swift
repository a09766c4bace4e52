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

    /// Computes the metrics from orders sorted by customer then time (as ``Store/orderFacts(through:)`` gives them).
    public static func compute(facts: [OrderFact], customers: Int, asOf: Day, periodDays: Int) -> RetentionMetrics {
        let currentStart = asOf - (periodDays - 1)
        let previousStart = currentStart - periodDays
        var buyers = 0
        var repeaters = 0
        var active = 0
        var activeBefore = 0
        var churned = 0
        var revenue: Int64 = 0
        var gaps: [Int] = []
        var cohortBuilder = CohortTable.Builder()
        var index = 0
        while index < facts.count {
            let customer = facts[index].customerID
            var end = index
            while end < facts.count, facts[end].customerID == customer { end += 1 }
            buyers += 1
            if end - index >= 2 { repeaters += 1 }
            var inCurrent = false
            var inPrevious = false
            var previousDay: Day?
            let firstDay = Day(epochSeconds: facts[index].placedAt)
            var months: Set<Int> = []
            for fact in facts[index..<end] {
                let day = Day(epochSeconds: fact.placedAt)
                revenue += fact.netMinor
                if day >= currentStart { inCurrent = true } else if day >= previousStart { inPrevious = true }
                if let previousDay { gaps.append(day - previousDay) }
                previousDay = day
                months.insert(day.monthIndex)
            }
            cohortBuilder.add(firstMonth: firstDay.monthIndex, activeMonths: months)
            if inCurrent { active += 1 }
            if inPrevious {
                activeBefore += 1
                if !inCurrent { churned += 1 }
            }
            index = end
        }
        return RetentionMetrics(
            asOf: asOf, periodDays: periodDays, customers: customers, buyers: buyers, orders: facts.count,
            revenueMinor: revenue, activeCustomers: active,
            averageOrderValueMinor: facts.isEmpty ? 0 : rounded(revenue, Int64(facts.count)),
            purchaseFrequency: buyers == 0 ? 0 : Double(facts.count) / Double(buyers),
            repeatPurchaseRate: buyers == 0 ? 0 : Double(repeaters) / Double(buyers),
            churnRate: activeBefore == 0 ? nil : Double(churned) / Double(activeBefore),
            historicCLVMinor: buyers == 0 ? 0 : rounded(revenue, Int64(buyers)),
            medianDaysBetweenOrders: median(&gaps),
            cohorts: cohortBuilder.build(lastMonth: asOf.monthIndex))
    }

    static func rounded(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        let half = denominator / 2
        return numerator >= 0 ? (numerator + half) / denominator : (numerator - half) / denominator
    }

    static func median(_ values: inout [Int]) -> Double? {
        guard !values.isEmpty else { return nil }
        values.sort()
        let middle = values.count / 2
        return values.count % 2 == 1 ? Double(values[middle]) : Double(values[middle - 1] + values[middle]) / 2
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

    struct Builder {
        var sizes: [Int: Int] = [:]
        var active: [Int: [Int: Int]] = [:]

        mutating func add(firstMonth: Int, activeMonths: Set<Int>) {
            sizes[firstMonth, default: 0] += 1
            for month in activeMonths { active[firstMonth, default: [:]][month - firstMonth, default: 0] += 1 }
        }

        func build(lastMonth: Int) -> CohortTable {
            CohortTable(
                rows: sizes.keys.sorted().map { month in
                    let span = max(0, lastMonth - month)
                    let counts = (0...span).map { active[month]?[$0] ?? 0 }
                    let year = month / 12
                    let monthOfYear = month % 12 + 1
                    return Row(
                        cohort: "\(year)-\(monthOfYear < 10 ? "0" : "")\(monthOfYear)", size: sizes[month] ?? 0,
                        active: counts)
                })
        }
    }
}
