import Foundation

/// One customer's saved predictions, in the integer terms segments compare: probabilities and
/// expected orders scaled by 10^6, the CLV in minor units of the store's currency.
public struct StoredPrediction: Sendable, Hashable {
    /// The scale of the decimal fields: 6 digits.
    public static let digits = 6
    public static let scale = 1_000_000.0

    public var probabilityAlive: Int64
    public var orders52Weeks: Int64
    /// `nil` when no spend model could be fitted.
    public var lifetimeValue12Months: Int64?

    public init(probabilityAlive: Int64, orders52Weeks: Int64, lifetimeValue12Months: Int64?) {
        self.probabilityAlive = probabilityAlive
        self.orders52Weeks = orders52Weeks
        self.lifetimeValue12Months = lifetimeValue12Months
    }

    /// From a prediction over 52 weeks and 12 months, amounts in currency units.
    public init(_ prediction: CustomerPrediction, currencyDigits: Int) {
        probabilityAlive = Int64((prediction.probabilityAlive * Self.scale).rounded())
        orders52Weeks = Int64((prediction.expectedPurchases * Self.scale).rounded())
        lifetimeValue12Months = prediction.lifetimeValue.map { Int64(($0 * pow(10, Double(currencyDigits))).rounded()) }
    }
}

/// The saved fit behind the `predicted.*` segment fields, and every customer's predictions.
/// Saving replaces the previous fit and all its rows in one transaction.
public struct SavedPredictions: Sendable {
    /// The purchase model's fit, then the spend model's when there is one.
    public var fits: [ModelFit]
    public var calibrationEnd: Day
    public var savedAt: Int64
    /// The rows (empty when read back as a header only).
    public var rows: [(customer: CustomerID, prediction: StoredPrediction)]

    public init(
        fits: [ModelFit], calibrationEnd: Day, savedAt: Int64,
        rows: [(customer: CustomerID, prediction: StoredPrediction)]
    ) {
        self.fits = fits
        self.calibrationEnd = calibrationEnd
        self.savedAt = savedAt
        self.rows = rows
    }

    /// Fits BG/NBD (and Gamma-Gamma where the data allows) on a store summary and predicts every
    /// customer of it for the segment fields: P(alive), orders in 52 weeks, CLV over 12 months.
    public static func compute(
        summary: PurchaseSummary, calibrationEnd: Day, currencyDigits: Int, monthlyDiscount: Double, savedAt: Int64
    ) throws(PatronError) -> SavedPredictions {
        let purchases = try BGNBD.fit(summary)
        var fits = [purchases]
        var spend: GammaGamma?
        if let gg = try? GammaGamma.fit(summary) {
            fits.append(gg)
            spend = GammaGamma(gg)
        }
        let predictions = BGNBD(purchases).predictions(
            for: summary, spend: spend,
            horizon: PredictionHorizon(weeks: 52, clvMonths: 12, monthlyDiscount: monthlyDiscount))
        let rows = zip(summary.ids, predictions).map {
            (customer: $0.0, prediction: StoredPrediction($0.1, currencyDigits: currencyDigits))
        }
        return SavedPredictions(fits: fits, calibrationEnd: calibrationEnd, savedAt: savedAt, rows: rows)
    }
}
