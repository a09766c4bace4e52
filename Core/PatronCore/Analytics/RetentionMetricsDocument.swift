import Foundation

/// Retention metrics as JSON: what `patron metrics --format json` and `GET /v1/metrics` answer.
public struct RetentionMetricsDocument: Codable, Hashable, Sendable {
    /// One monthly cohort: its size and how many ordered in each month after the first.
    public struct Cohort: Codable, Hashable, Sendable {
        public var cohort: String
        public var size: Int
        public var active: [Int]
    }

    public var asOf: String
    public var periodDays: Int
    public var customers: Int
    public var buyers: Int
    public var activeCustomers: Int
    public var orders: Int
    public var revenue: String
    public var averageOrderValue: String
    public var purchaseFrequency: Double
    public var repeatPurchaseRate: Double
    public var churnRate: Double?
    public var historicCLV: String
    public var medianDaysBetweenOrders: Double?
    public var currency: String
    public var cohorts: [Cohort]
    /// Whether each cohort's last month is the as-of month still under way.
    public var cohortsLastMonthPartial: Bool

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", periodDays = "period_days", customers, buyers, activeCustomers = "active_customers"
        case orders, revenue, averageOrderValue = "average_order_value", purchaseFrequency = "purchase_frequency"
        case repeatPurchaseRate = "repeat_purchase_rate", churnRate = "churn_rate", historicCLV = "historic_clv"
        case medianDaysBetweenOrders = "median_days_between_orders", currency, cohorts
        case cohortsLastMonthPartial = "cohorts_last_month_partial"
    }

    /// Every key; `churn_rate` and `median_days_between_orders` as null when unknown.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(asOf, forKey: .asOf)
        try container.encode(periodDays, forKey: .periodDays)
        try container.encode(customers, forKey: .customers)
        try container.encode(buyers, forKey: .buyers)
        try container.encode(activeCustomers, forKey: .activeCustomers)
        try container.encode(orders, forKey: .orders)
        try container.encode(revenue, forKey: .revenue)
        try container.encode(averageOrderValue, forKey: .averageOrderValue)
        try container.encode(purchaseFrequency, forKey: .purchaseFrequency)
        try container.encode(repeatPurchaseRate, forKey: .repeatPurchaseRate)
        try container.encode(churnRate, forKey: .churnRate)
        try container.encode(historicCLV, forKey: .historicCLV)
        try container.encode(medianDaysBetweenOrders, forKey: .medianDaysBetweenOrders)
        try container.encode(currency, forKey: .currency)
        try container.encode(cohorts, forKey: .cohorts)
        try container.encode(cohortsLastMonthPartial, forKey: .cohortsLastMonthPartial)
    }

    public init(_ metrics: RetentionMetrics, currency: CurrencyCode?) {
        let digits = CurrencyCode.minorUnitDigits(of: currency)
        asOf = metrics.asOf.description
        periodDays = metrics.periodDays
        customers = metrics.customers
        buyers = metrics.buyers
        activeCustomers = metrics.activeCustomers
        orders = metrics.orders
        revenue = Money.decimalString(metrics.revenueMinor, digits: digits)
        averageOrderValue = Money.decimalString(metrics.averageOrderValueMinor, digits: digits)
        purchaseFrequency = metrics.purchaseFrequency.isFinite ? metrics.purchaseFrequency : 0
        repeatPurchaseRate = metrics.repeatPurchaseRate.isFinite ? metrics.repeatPurchaseRate : 0
        churnRate = metrics.churnRate.flatMap { $0.isFinite ? $0 : nil }
        historicCLV = Money.decimalString(metrics.historicCLVMinor, digits: digits)
        medianDaysBetweenOrders = metrics.medianDaysBetweenOrders
        self.currency = currency?.code ?? ""
        cohorts = metrics.cohorts.rows.map { Cohort(cohort: $0.cohort, size: $0.size, active: $0.active) }
        cohortsLastMonthPartial = metrics.cohorts.lastMonthIsPartial
    }
}
