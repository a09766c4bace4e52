import ArgumentParser
import Foundation
import Logging
import PatronCore

/// Times a step of `patron predict` and logs it (`PATRON_LOG_LEVEL=info` shows them; the
/// benchmark reads them).
func timed<T>(_ step: String, _ metadata: Logger.Metadata = [:], _ body: () throws -> T) rethrows -> T {
    Patron.bootstrapLogging()
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try body()
    logStep(step, metadata, since: start)
    return result
}

/// The same, for work that waits.
func timed<T>(_ step: String, _ metadata: Logger.Metadata = [:], _ body: () async throws -> T) async rethrows -> T {
    Patron.bootstrapLogging()
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try await body()
    logStep(step, metadata, since: start)
    return result
}

private func logStep(_ step: String, _ metadata: Logger.Metadata, since start: UInt64) {
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    var metadata = metadata
    metadata["seconds"] = "\(String(format: "%.6f", seconds))"
    Logger(label: "patron.predict").info("\(step)", metadata: metadata)
}

struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predictive customer value: BG/NBD, Pareto/NBD, Gamma-Gamma — P(alive), expected orders, CLV.",
        discussion: """
            The models read each customer's repeat purchase days x, the weeks from the first purchase to \
            the last (t_x) and to the calibration end (T), and the mean repeat spend. Time is in weeks.
            Example:
              patron predict fit --save
              patron segment count 'predicted.p_alive < 0.3'
            """,
        subcommands: [Summary.self, Fit.self, Customers.self, Check.self])

    enum Model: String, ExpressibleByArgument, CaseIterable {
        case bgnbd, pareto, gg, all

        /// The kernel's model (`nil` for `all`).
        var model: PredictiveModel? {
            switch self {
            case .bgnbd: .bgnbd
            case .pareto: .pareto
            case .gg: .gammaGamma
            case .all: nil
            }
        }
    }

    enum PurchaseModelChoice: String, ExpressibleByArgument, CaseIterable { case bgnbd, pareto }

    /// Where the summary comes from: the store up to a calibration end, or a CSV file.
    struct Source: ParsableArguments {
        @OptionGroup var store: StoreOptions

        @Option(help: "End of the calibration period, YYYY-MM-DD (default: the day of the last order).")
        var calibrationEnd: String?

        @Option(
            help: ArgumentHelp(
                "Read the summary from a CSV instead of the store.",
                discussion: "Header with customer_id (or id), x (or frequency), t_x (or recency), T, optionally "
                    + "monetary (or monetary_value, zbar); weeks."))
        var summary: String?

        struct Loaded {
            var summary: PurchaseSummary
            var calibrationEnd: Day?
            var digits: Int
            var store: (any PatronStore)?
            /// How output names customer `i`.
            var key: @Sendable (Int) -> String
        }

        func load(holdoutEnd: Day? = nil, keys: Bool, access: StoreAccess = .read) async throws -> Loaded {
            Patron.bootstrapLogging()
            return try await timed("summary") {
                try await Self.load(
                    store: store, calibrationEnd: calibrationEnd, summary: summary, holdoutEnd: holdoutEnd, keys: keys,
                    access: access)
            }
        }

        static func load(
            store: StoreOptions, calibrationEnd: String?, summary: String?, holdoutEnd: Day?,
            defaultCalibrationEnd: ((ClosedRange<Day>) -> Day)? = nil, keys: Bool, access: StoreAccess = .read
        ) async throws -> Loaded {
            if let file = summary {
                guard calibrationEnd == nil else {
                    throw PatronError(.invalidArgument, "--calibration-end applies to the store, not to --summary")
                }
                let summary = try PurchaseSummary.read(csvAt: file)
                return Loaded(summary: summary, calibrationEnd: nil, digits: 2, store: nil) { summary.keys[$0] }
            }
            let sqlite = try store.open(access)
            let digits = CurrencyCode.minorUnitDigits(of: try sqlite.reportingCurrency())
            guard let span = try sqlite.orderSpan() else {
                throw PatronError(.insufficientData, "the store has no orders to fit a model to")
            }
            let end =
                try parseDay(calibrationEnd, option: "--calibration-end") ?? defaultCalibrationEnd?(span)
                ?? span.upperBound
            if let holdoutEnd, holdoutEnd <= end {
                throw PatronError(
                    .invalidArgument, "--holdout-end (\(holdoutEnd)) must be after the calibration end (\(end))")
            }
            let summary = try PurchaseSummary.from(
                store: sqlite, calibrationEnd: end, holdoutEnd: holdoutEnd, currencyDigits: digits)
            let names = keys ? try await sqlite.allReportKeys() : [:]
            return Loaded(summary: summary, calibrationEnd: end, digits: digits, store: sqlite) {
                names[summary.ids[$0]] ?? summary.ids[$0].reportKey
            }
        }
    }

    static func fit(_ model: PurchaseModelChoice, _ summary: PurchaseSummary) throws -> (ModelFit, any PurchaseModel) {
        switch model {
        case .bgnbd:
            let fit = try timed("fit", ["model": "bgnbd"]) { try BGNBD.fit(summary) }
            return (fit, BGNBD(fit))
        case .pareto:
            let fit = try timed("fit", ["model": "pareto"]) { try ParetoNBD.fit(summary) }
            return (fit, ParetoNBD(fit))
        }
    }
}

extension PredictCommand {
    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write each customer's x, t_x, T (weeks) and mean repeat spend as CSV.")
        @OptionGroup var source: Source
        @Option(help: "Also count purchase days after the calibration end up to this day (a holdout column).")
        var holdoutEnd: String?
        @Option(name: [.short, .customLong("output")], help: "Write to FILE (- for stdout).") var output: String?

        func run() async throws {
            try await reportingErrors {
                let loaded = try await source.load(
                    holdoutEnd: try parseDay(holdoutEnd, option: "--holdout-end"), keys: true)
                let out = try OutputFile(path: output)
                var csv = CSVBuffer()
                var start = 0
                while start < loaded.summary.count || start == 0 {
                    let end = min(start + 50_000, loaded.summary.count)
                    loaded.summary.appendCSV(header: start == 0, rows: start..<end, key: loaded.key, to: &csv)
                    out.write(bytes: csv.bytes)
                    csv.removeAll()
                    start = end
                    if end == loaded.summary.count { break }
                }
                try out.commit()
            }
        }
    }

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit models by maximum likelihood; print parameters and log-likelihood.",
            discussion: """
                --save fits BG/NBD and Gamma-Gamma on the store and keeps every customer's P(alive), expected \
                orders in 52 weeks and 12-month CLV for the predicted.* segment fields (replacing the last save).
                """)
        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

        @OptionGroup var source: Source
        @Option(help: "bgnbd | pareto | gg | all; repeatable (default: bgnbd and gg).") var model: [Model] = []
        @Option(help: "table | json.") var format: Format = .table
        @Flag(help: "Save the BG/NBD + Gamma-Gamma predictions for the predicted.* segment fields.") var save = false
        @Option(help: "Monthly discount rate of the saved 12-month CLV.") var discount: Double = 0.01

        func run() async throws {
            try await reportingErrors {
                guard discount >= 0, discount < 1 else {
                    throw PatronError(.invalidArgument, "--discount must be in [0, 1) (a monthly rate, e.g. 0.01)")
                }
                if save && source.summary != nil {
                    throw PatronError(.invalidArgument, "--save needs the store's customers, not --summary")
                }
                var models = model.isEmpty ? [.bgnbd, .gg] : model
                if models.contains(.all) { models = [.bgnbd, .pareto, .gg] }
                let loaded = try await source.load(keys: false, access: save ? .write : .read)
                let progress = Progress(label: "predict fit")
                let outcome = timed("fit", ["models": "\(models.map(\.rawValue))"]) {
                    ModelFitting.fit(models.compactMap(\.model), to: loaded.summary) { model, iteration, value in
                        progress.update(
                            count: iteration, unit: "iterations", phase: model.rawValue,
                            detail: "−LL \(String(format: "%.1f", value))")
                    }
                }
                progress.finish()
                let fits = outcome.fits
                for failure in outcome.failures {
                    FileHandle.standardError.write(
                        Data("predict: \(failure.model.rawValue) could not be fitted: \(failure.reason)\n".utf8))
                }
                switch format {
                case .table:
                    print(
                        fits.map { PredictiveReport.table($0, calibrationEnd: loaded.calibrationEnd) }.joined(
                            separator: "\n"), terminator: "")
                case .json:
                    print(
                        "["
                            + fits.map { PredictiveReport.json($0, calibrationEnd: loaded.calibrationEnd) }.joined(
                                separator: ",") + "]")
                }
                guard !fits.isEmpty else { throw ExitCode.failure }
                if save, let store = loaded.store, let end = loaded.calibrationEnd {
                    let saved = try SavedPredictions.compute(
                        summary: loaded.summary, calibrationEnd: end, currencyDigits: loaded.digits,
                        monthlyDiscount: discount, savedAt: Int64(Date().timeIntervalSince1970))
                    try store.savePredictions(saved)
                    FileHandle.standardError.write(
                        Data(
                            "predict: saved predictions for \(saved.rows.count) customers (calibration end \(end))\n"
                                .utf8
                        ))
                }
            }
        }
    }

    struct Customers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-customer predictions: P(alive), expected purchases, expected order value, CLV.")
        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

        @OptionGroup var source: Source
        @Option(help: "bgnbd | pareto (the purchase model; Gamma-Gamma adds value and CLV).")
        var model: PurchaseModelChoice = .bgnbd
        @Option(help: "How far ahead to count expected purchases: 52w, 365d, 12m.") var horizon = "52w"
        @Option(help: "Months of the CLV.") var clvMonths = 12
        @Option(help: "Monthly discount rate of the CLV.") var discount: Double = 0.01
        @Option(help: "csv | json.") var format: Format = .csv
        @Option(name: [.short, .customLong("output")], help: "Write to FILE (- for stdout).") var output: String?

        func run() async throws {
            try await reportingErrors {
                let weeks = try PredictionHorizon.weeks(parsing: horizon, option: "--horizon")
                guard clvMonths >= 1, clvMonths <= 1200 else {
                    throw PatronError(.invalidArgument, "--clv-months must be between 1 and 1200")
                }
                guard discount >= 0, discount < 1 else {
                    throw PatronError(.invalidArgument, "--discount must be in [0, 1) (a monthly rate, e.g. 0.01)")
                }
                let loaded = try await source.load(keys: true)
                let (_, purchases) = try PredictCommand.fit(model, loaded.summary)
                let spend = (try? timed("fit", ["model": "gg"]) { try GammaGamma.fit(loaded.summary) })
                    .map(GammaGamma.init)
                let predictions = timed("predictions", ["customers": "\(loaded.summary.count)"]) {
                    purchases.predictions(
                        for: loaded.summary, spend: spend,
                        horizon: PredictionHorizon(weeks: weeks, clvMonths: clvMonths, monthlyDiscount: discount))
                }
                let out = try OutputFile(path: output)
                switch format {
                case .csv:
                    PredictiveReport.writeCSV(summary: loaded.summary, predictions: predictions, key: loaded.key) {
                        out.write(bytes: $0)
                    }
                case .json:
                    out.write("[")
                    for (i, prediction) in predictions.enumerated() {
                        out.write(
                            (i == 0 ? "\n" : ",\n")
                                + PredictiveReport.json(
                                    key: loaded.key(i), summary: loaded.summary, index: i, prediction: prediction))
                    }
                    out.write(predictions.isEmpty ? "]\n" : "\n]\n")
                }
                try out.commit()
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit on the calibration period, then compare expected with actual purchases in the holdout.",
            discussion: """
                Customers are grouped by their calibration repeat purchases (0 … 6, 7+); the correlation \
                of expected and actual holdout purchases over customers says how well the model ranks them.
                The calibration end defaults to halfway between the first order and --holdout-end.
                """)
        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

        @OptionGroup var store: StoreOptions
        @Option(help: "End of the calibration period, YYYY-MM-DD (default: halfway to the holdout end).")
        var calibrationEnd: String?
        @Option(help: "End of the holdout period, YYYY-MM-DD.") var holdoutEnd: String
        @Option(help: "bgnbd | pareto.") var model: PurchaseModelChoice = .bgnbd
        @Option(help: "table | json.") var format: Format = .table

        func run() async throws {
            try await reportingErrors {
                let holdout = try parseDay(holdoutEnd, option: "--holdout-end")!
                let loaded = try await Source.load(
                    store: store, calibrationEnd: calibrationEnd, summary: nil, holdoutEnd: holdout,
                    defaultCalibrationEnd: { span in span.lowerBound + (holdout - span.lowerBound) / 2 }, keys: false)
                let end = loaded.calibrationEnd!
                let (_, purchases) = try PredictCommand.fit(model, loaded.summary)
                let check = try ModelCheck.check(
                    purchases, summary: loaded.summary, holdoutWeeks: Double(holdout - end) / 7)
                let choice: PredictiveModel = model == .bgnbd ? .bgnbd : .pareto
                switch format {
                case .table:
                    print(
                        PredictiveReport.table(check, model: choice, calibrationEnd: end, holdoutEnd: holdout),
                        terminator: "")
                case .json:
                    print(PredictiveReport.json(check, model: choice, calibrationEnd: end, holdoutEnd: holdout))
                }
            }
        }
    }
}
