import Foundation

/// The per-customer inputs of the buy-till-you-die models for one calibration period, as in
/// Fader, Hardie & Lee (2005) and the `lifetimes` package:
///
/// - `x`: repeat purchases — the number of distinct UTC days with a counting order, minus one;
/// - `tx`: weeks from the first purchase day to the last one (0 when x = 0);
/// - `T`: weeks from the first purchase day to the calibration end;
/// - `monetary`: the mean spend of the repeat purchase days (orders of one day summed; net of
///   refunds), in currency units — 0 when x = 0;
/// - `holdout`: purchase days after the calibration end up to the holdout end, when asked.
///
/// Weeks are days / 7, so the figures equal the published CDNOW summary.
public struct PurchaseSummary: Sendable {
    /// How reports name each customer (empty when built from a store: see ``ids``).
    public var keys: [String]
    /// The store's id of each customer (empty when the summary was read from a file).
    public var ids: [CustomerID]
    public var x: [Double]
    public var tx: [Double]
    public var T: [Double]
    public var monetary: [Double]
    /// Purchase days in the holdout period (empty without one).
    public var holdout: [Double]

    public init(
        keys: [String], ids: [CustomerID] = [], x: [Double], tx: [Double], T: [Double], monetary: [Double],
        holdout: [Double] = []
    ) {
        self.keys = keys
        self.ids = ids
        self.x = x
        self.tx = tx
        self.T = T
        self.monetary = monetary
        self.holdout = holdout
    }

    public var count: Int { x.count }

    /// Customers with at least one repeat purchase.
    public var repeatCustomers: Int { x.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
}

extension PurchaseSummary {
    /// Builds the summary from counting orders sorted by customer, then time (what
    /// ``Store/forEachOrderFact(through:_:)`` streams). Customers whose first order is after
    /// `calibrationEnd` are left out; with `holdoutEnd`, purchase days after the calibration end
    /// up to it are counted in ``holdout``.
    public struct Builder {
        let calibrationEnd: Day
        let holdoutEnd: Day?
        let scale: Double
        var summary = PurchaseSummary(keys: [], x: [], tx: [], T: [], monetary: [])

        var customer: CustomerID?
        var firstDay = 0
        var lastDay = 0
        var currentDay = Int.min
        var currentSpend: Int64 = 0
        var calibrationDays = 0
        var repeatSpend: Int64 = 0
        var holdoutDays = 0

        /// `currencyDigits` turns minor units into currency units.
        public init(calibrationEnd: Day, holdoutEnd: Day? = nil, currencyDigits: Int = 2) {
            self.calibrationEnd = calibrationEnd
            self.holdoutEnd = holdoutEnd
            scale = pow(10, Double(currencyDigits))
        }

        /// Adds one order (in customer, then time order).
        public mutating func add(_ order: OrderFact) {
            if order.customerID != customer {
                finishCustomer()
                customer = order.customerID
                currentDay = Int.min
                calibrationDays = 0
                repeatSpend = 0
                holdoutDays = 0
            }
            let day = Day(epochSeconds: order.placedAt).rawValue
            if day > calibrationEnd.rawValue {
                guard calibrationDays > 0, let holdoutEnd, day <= holdoutEnd.rawValue else { return }
                if day != currentDay {
                    closeDay()
                    currentDay = day
                    holdoutDays += 1
                }
                return
            }
            if day != currentDay {
                closeDay()
                currentDay = day
                if calibrationDays == 0 { firstDay = day }
                lastDay = day
                calibrationDays += 1
            }
            currentSpend += order.netMinor
        }

        /// The spend of the day just ended counts when it was a repeat day in the calibration period.
        mutating func closeDay() {
            if calibrationDays > 1, currentDay <= calibrationEnd.rawValue { repeatSpend += currentSpend }
            currentSpend = 0
        }

        mutating func finishCustomer() {
            guard let customer else { return }
            closeDay()
            guard calibrationDays > 0 else { return }
            let repeats = calibrationDays - 1
            summary.ids.append(customer)
            summary.x.append(Double(repeats))
            summary.tx.append(Double(lastDay - firstDay) / 7)
            summary.T.append(Double(calibrationEnd.rawValue - firstDay) / 7)
            summary.monetary.append(repeats > 0 ? Double(repeatSpend) / scale / Double(repeats) : 0)
            if holdoutEnd != nil { summary.holdout.append(Double(holdoutDays)) }
        }

        /// The summary of every customer added.
        public mutating func finish() -> PurchaseSummary {
            finishCustomer()
            customer = nil
            return summary
        }
    }

    /// The summary of a store's customers, by id (``keys`` stays empty: naming a million
    /// customers is the caller's choice).
    public static func from(
        store: some Store, calibrationEnd: Day, holdoutEnd: Day? = nil, currencyDigits: Int
    ) throws -> PurchaseSummary {
        var builder = Builder(calibrationEnd: calibrationEnd, holdoutEnd: holdoutEnd, currencyDigits: currencyDigits)
        try store.forEachOrderFact(through: holdoutEnd ?? calibrationEnd) { builder.add($0) }
        return builder.finish()
    }
}
