import Foundation
import PatronCore
import Testing

/// The three models against the published CDNOW results (Fader, Hardie & Lee 2005), to three
/// significant digits.
@Suite struct PredictiveTests {
    init() { TestChannels.register() }

    /// |value − expected| within half a unit in the third significant digit of `expected`.
    static func agrees(_ value: Double, _ expected: Double) -> Bool {
        let unit = pow(10, floor(log10(abs(expected))) - 2)
        return abs(value - expected) <= 0.5 * unit + 1e-12
    }

    static let summary: PurchaseSummary? = Shared.path("data/cdnow/cdnow_customers_summary.csv").map {
        try! PurchaseSummary.read(csvAt: $0)
    }
    static let bgnbd: ModelFit? = summary.map { try! BGNBD.fit($0) }

    @Test func bgnbdFitsCDNOW() throws {
        guard let fit = Self.bgnbd else { return }
        #expect(fit.customers == 2357)
        #expect(fit.converged && fit.warnings.isEmpty, "\(fit.warnings)")
        for (name, expected) in [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)] {
            #expect(Self.agrees(fit[name]!, expected), "\(name) = \(fit[name]!), published \(expected)")
        }
        #expect(Self.agrees(fit.logLikelihood, -9582.4), "LL \(fit.logLikelihood)")
    }

    @Test func bgnbdPredictsLikeThePaper() throws {
        guard let fit = Self.bgnbd, let summary = Self.summary else { return }
        let model = BGNBD(fit)
        let e = model.expectedPurchases(39, x: 2, tx: 30.43, T: 38.86)
        #expect(Self.agrees(e, 1.226), "E[39 weeks] = \(e)")
        let i = try #require(summary.keys.firstIndex(of: "1516"))
        #expect(summary.x[i] == 26 && summary.tx[i] == 30.86 && summary.T[i] == 31)
        let alive = model.probabilityAlive(x: 26, tx: 30.86, T: 31)
        #expect(Self.agrees(alive, 0.9689), "P(alive) = \(alive)")
        let year = model.expectedPurchases(52, x: 26, tx: 30.86, T: 31)
        #expect(Self.agrees(year, 25.76), "E[52 weeks] = \(year)")
        // The likelihood at the fit equals the sum of the per-customer ones (the grouped, fast
        // path and the plain formula agree).
        let plain = (0..<summary.count).reduce(0.0) {
            $0 + model.logLikelihood(x: summary.x[$1], tx: summary.tx[$1], T: summary.T[$1])
        }
        #expect(abs(plain - fit.logLikelihood) < 1e-6)
    }

    @Test func paretoNBDFitsCDNOW() throws {
        guard let summary = Self.summary else { return }
        let fit = try ParetoNBD.fit(summary)
        #expect(fit.converged && fit.warnings.isEmpty, "\(fit.warnings)")
        for (name, expected) in [("r", 0.553), ("alpha", 10.578), ("s", 0.606), ("beta", 11.669)] {
            #expect(Self.agrees(fit[name]!, expected), "\(name) = \(fit[name]!), published \(expected)")
        }
        #expect(Self.agrees(fit.logLikelihood, -9595.0), "LL \(fit.logLikelihood)")
        let model = ParetoNBD(fit)
        let alive = model.probabilityAlive(x: 26, tx: 30.86, T: 31)
        #expect(alive > 0.9 && alive < 1)
    }

    @Test func gammaGammaFitsCDNOWRepeatCustomers() throws {
        guard let path = Shared.path("data/cdnow/cdnow_customers_summary_with_transactions.csv") else { return }
        let summary = try PurchaseSummary.read(csvAt: path)
        let fit = try GammaGamma.fit(summary)
        #expect(fit.customers == 946)
        for (name, expected) in [("p", 6.25), ("q", 3.74), ("gamma", 15.44)] {
            #expect(Self.agrees(fit[name]!, expected), "\(name) = \(fit[name]!), published \(expected)")
        }
    }

    /// The store-built summary of CDNOW_sample.txt equals the published one, customer by customer.
    @Test func theSummaryRebuiltFromTheSampleEqualsThePublishedOne() throws {
        guard let path = Shared.path("data/cdnow/CDNOW_sample.txt"), let published = Self.summary else { return }
        let store = InMemoryStore()
        let reader = try CDNOWReader(path: path)
        var events: [IngestEvent] = []
        while let event = try reader.next() { events.append(event) }
        try Ingestor(store: store).ingest(events)
        // The sample names customers by their master id; the published summary by the sample id.
        var sampleID: [String: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline) {
            let cells = line.split(whereSeparator: \.isWhitespace)
            guard cells.count == 5, let master = Int(cells[0]), let sample = Int(cells[1]) else { continue }
            sampleID[String(master)] = String(sample)
        }
        #expect(sampleID.count == 2357)
        let built = try PurchaseSummary.from(
            store: store, calibrationEnd: Day(iso: "1997-09-30")!, holdoutEnd: Day(iso: "1998-06-30")!,
            currencyDigits: 2)
        #expect(built.count == published.count)
        let refs = Dictionary(uniqueKeysWithValues: store.allCustomers().map { ($0.id, $0.primaryRef?.id) })
        var row: [String: Int] = [:]
        for (i, key) in published.keys.enumerated() { row[key] = i }
        var checked = 0
        for i in 0..<built.count {
            let ref = try #require(refs[built.ids[i]] ?? nil)
            let j = try #require(sampleID[ref].flatMap { row[$0] }, "customer \(ref) is not in the published summary")
            #expect(built.x[i] == published.x[j], "customer \(ref): x")
            #expect(
                abs(built.tx[i] - published.tx[j]) <= 0.005, "customer \(ref): t_x \(built.tx[i]) vs \(published.tx[j])"
            )
            #expect(abs(built.T[i] - published.T[j]) <= 0.005, "customer \(ref): T")
            checked += 1
        }
        #expect(checked == 2357)
        // Holdout, weeks 40–78: expected against actual purchases over customers.
        let fit = try BGNBD.fit(built)
        let check = try ModelCheck.check(BGNBD(fit), summary: built, holdoutWeeks: 39)
        print(
            "holdout check: correlation \(check.correlation), actual \(check.totalActual), expected \(check.totalExpected)"
        )
        for row in check.rows {
            print("  x=\(row.label) n=\(row.customers) actual \(row.actual) expected \(row.expected)")
        }
        #expect(Self.agrees(check.correlation, 0.626), "correlation \(check.correlation)")
    }

    @Test func degenerateDataIsAClearErrorOrAFlaggedFit() throws {
        let once = PurchaseSummary(keys: ["a", "b"], x: [0, 0], tx: [0, 0], T: [10, 20], monetary: [0, 0])
        let empty = PurchaseSummary(keys: [], x: [], tx: [], T: [], monetary: [])
        #expect(throws: PatronError.self) { _ = try BGNBD.fit(once) }
        #expect(throws: PatronError.self) { _ = try BGNBD.fit(empty) }
        #expect(throws: PatronError.self) { _ = try ParetoNBD.fit(once) }
        #expect(throws: PatronError.self) { _ = try ParetoNBD.fit(empty) }
        #expect(throws: PatronError.self) { _ = try GammaGamma.fit(once) }
        // Everyone repeats at the same pace over a huge span: the fit is finite or flagged, never NaN.
        let n = 200
        let huge = PurchaseSummary(
            keys: (0..<n).map(String.init), x: Array(repeating: 3, count: n),
            tx: Array(repeating: 5_000, count: n), T: Array(repeating: 10_000, count: n),
            monetary: Array(repeating: 20, count: n))
        for fit in [try BGNBD.fit(huge), try ParetoNBD.fit(huge), try GammaGamma.fit(huge)] {
            #expect(fit.values.allSatisfy { $0.isFinite && $0 > 0 } && fit.logLikelihood.isFinite)
            #expect(fit.converged || !fit.warnings.isEmpty)
        }
        // Identical spend everywhere cannot identify Gamma-Gamma's spread: flagged.
        let gg = try GammaGamma.fit(huge)
        #expect(!gg.warnings.isEmpty, "\(gg.values)")
    }

    @Test func lifetimeValueIsTheDiscountedSumOfMonthlyPurchases() throws {
        guard let fit = Self.bgnbd else { return }
        let model = BGNBD(fit)
        let (x, tx, T) = (4.0, 30.0, 38.0)
        // Undiscounted, the months telescope to the expectation over the whole span.
        let flat = model.lifetimeValue(x: x, tx: tx, T: T, averageValue: 20, months: 12, monthlyDiscount: 0)
        let whole = model.expectedPurchases(12 * PredictionHorizon.weeksPerMonth, x: x, tx: tx, T: T) * 20
        #expect(abs(flat - whole) < 1e-9 * whole)
        let discounted = model.lifetimeValue(x: x, tx: tx, T: T, averageValue: 20, months: 12, monthlyDiscount: 0.01)
        #expect(discounted < flat && discounted > flat / pow(1.01, 12))
        // Gamma-Gamma shrinks a customer's own mean towards the population's.
        let gg = GammaGamma(p: 6.25, q: 3.74, gamma: 15.44)
        let population = 6.25 * 15.44 / (3.74 - 1)
        #expect(abs(gg.expectedAverageValue(x: 0, m: 0) - population) < 1e-9)
        let own = gg.expectedAverageValue(x: 10, m: 100)
        #expect(own < 100 && own > population)
    }

    /// CLV and expected order value against the `lifetimes` package (0.11.3) on the published
    /// CDNOW summary: BetaGeoFitter + GammaGammaFitter fitted there, then
    /// customer_lifetime_value(time=12, discount_rate=0.01, freq="W") and
    /// conditional_expected_average_profit for customers 1, 18 and 1516.
    @Test func lifetimeValuesMatchTheLifetimesPackage() throws {
        guard let path = Shared.path("data/cdnow/cdnow_customers_summary_with_transactions.csv") else { return }
        let summary = try PurchaseSummary.read(csvAt: path)
        let purchases = BGNBD(try BGNBD.fit(summary))
        let spend = GammaGamma(try GammaGamma.fit(summary))
        let predictions = purchases.predictions(for: summary, spend: spend, horizon: PredictionHorizon())
        let reference: [String: (clv: Double, aov: Double)] = [
            "1": (36.278496, 24.658616), "18": (6.349622, 17.674697), "1516": (972.125563, 39.890277),
        ]
        for (key, expected) in reference {
            let i = try #require(summary.keys.firstIndex(of: key))
            let clv = try #require(predictions[i].lifetimeValue)
            let aov = try #require(predictions[i].expectedAverageValue)
            #expect(abs(clv - expected.clv) <= 1e-4 * expected.clv, "customer \(key): CLV \(clv)")
            #expect(abs(aov - expected.aov) <= 1e-4 * expected.aov, "customer \(key): AOV \(aov)")
        }
    }

    @Test func aSummaryWrittenAsCSVReadsBackTheSame() throws {
        let summary = PurchaseSummary(
            keys: ["a", "b,c"], x: [0, 3], tx: [0, 30.0 / 7], T: [272.0 / 7, 40], monetary: [0, 12.345],
            holdout: [1, 0])
        var csv = CSVBuffer()
        summary.appendCSV(header: true, rows: 0..<2, key: { summary.keys[$0] }, to: &csv)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("summary-\(UUID()).csv").path
        try Data(csv.bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(
            String(decoding: csv.bytes, as: UTF8.self).hasPrefix(
                "customer_id,x,t_x,T,monetary,holdout\na,0,0,38.857143,0,1\n"))
        let back = try PurchaseSummary.read(csvAt: path)
        #expect(back.x == summary.x && back.holdout == summary.holdout)
        for i in 0..<2 {
            #expect(abs(back.tx[i] - summary.tx[i]) < 1e-6 && abs(back.T[i] - summary.T[i]) < 1e-6)
        }
    }

    @Test func specialFunctionsMatchKnownValues() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z; ψ(1) = −γ; ψ(0.5) = −γ − 2 ln 2.
        for z in [0.0, 0.1, 0.5, 0.9, 0.99] {
            let exact = z == 0 ? 1 : -log(1 - z) / z
            #expect(abs(SpecialFunctions.hyp2f1(1, 1, 2, z) - exact) < 1e-10 * exact)
        }
        let eulerGamma = 0.5772156649015329
        #expect(abs(SpecialFunctions.digamma(1) + eulerGamma) < 1e-12)
        #expect(abs(SpecialFunctions.digamma(0.5) + eulerGamma + 2 * log(2)) < 1e-12)
        #expect(abs(SpecialFunctions.digamma(100) - 4.600161852738087) < 1e-12)
    }
}
