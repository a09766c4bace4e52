import Foundation

/// How `patron predict` prints fits, predictions and checks (table, CSV, JSON).
public enum PredictiveReport {
    static func title(_ model: PredictiveModel) -> String {
        switch model {
        case .bgnbd: "BG/NBD"
        case .pareto: "Pareto/NBD"
        case .gammaGamma: "Gamma-Gamma"
        }
    }

    static func number(_ value: Double, digits: Int = 6) -> String {
        var csv = CSVBuffer(capacity: 32)
        csv.decimal(value, digits: digits)
        return String(decoding: csv.bytes, as: UTF8.self)
    }

    /// A fit as a table: parameters, log-likelihood, convergence and warnings.
    public static func table(_ fit: ModelFit, calibrationEnd: Day?) -> String {
        var text = "\(title(fit.model)) — \(fit.customers) customers"
        if let calibrationEnd { text += ", calibration end \(calibrationEnd)" }
        text += fit.model == .gammaGamma ? " (repeat customers; amounts in currency units)\n" : " (time in weeks)\n"
        let width = max(14, fit.names.map(\.count).max() ?? 0)
        for (name, value) in zip(fit.names, fit.values) {
            text += "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + number(value) + "\n"
        }
        text +=
            "  " + "log-likelihood".padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            + number(fit.logLikelihood, digits: 4) + "\n"
        text += "  \(fit.converged ? "converged" : "NOT converged") after \(fit.iterations) iterations\n"
        for warning in fit.warnings { text += "  warning: \(warning)\n" }
        return text
    }

    /// A fit as one JSON object.
    public static func json(_ fit: ModelFit, calibrationEnd: Day?) -> String {
        var json = JSONWriter()
        json.open()
        json.field("model", fit.model.rawValue)
        if let calibrationEnd { json.field("calibration_end", calibrationEnd.description) }
        json.key("parameters")
        json.open()
        for (name, value) in zip(fit.names, fit.values) {
            json.key(name)
            json.raw(number(value, digits: 9))
        }
        json.close()
        json.key("log_likelihood")
        json.raw(number(fit.logLikelihood, digits: 6))
        json.key("customers")
        json.raw(String(fit.customers))
        json.key("iterations")
        json.raw(String(fit.iterations))
        json.key("converged")
        json.raw(fit.converged ? "true" : "false")
        json.key("warnings")
        json.array(fit.warnings)
        json.close()
        return json.text
    }

    /// The columns of `patron predict customers`.
    public static let predictionColumns = [
        "customer_id", "x", "t_x", "T", "p_alive", "expected_purchases", "expected_aov", "clv",
    ]

    /// Appends one customer's prediction as a CSV row.
    public static func appendCSV(
        key: String, summary: PurchaseSummary, index i: Int, prediction p: CustomerPrediction, to csv: inout CSVBuffer
    ) {
        csv.field(key)
        csv.decimal(summary.x[i])
        csv.decimal(summary.tx[i])
        csv.decimal(summary.T[i])
        csv.decimal(p.probabilityAlive)
        csv.decimal(p.expectedPurchases)
        if let value = p.expectedAverageValue { csv.decimal(value, digits: 4) } else { csv.field("") }
        if let value = p.lifetimeValue { csv.decimal(value, digits: 4) } else { csv.field("") }
        csv.endRow()
    }

    /// Every customer's prediction as CSV (with the header), formatted on all cores in blocks
    /// and handed to `write` in order.
    public static func writeCSV(
        summary: PurchaseSummary, predictions: [CustomerPrediction], key: @escaping @Sendable (Int) -> String,
        write: ([UInt8]) -> Void
    ) {
        var header = CSVBuffer(capacity: 128)
        for name in predictionColumns { header.field(name) }
        header.endRow()
        write(header.bytes)
        let block = 200_000
        var start = 0
        while start < predictions.count {
            let end = min(start + block, predictions.count)
            let from = start
            let chunks = ParallelChunks<[UInt8]>(count: end - start)
            chunks.fill { range in
                var csv = CSVBuffer(capacity: range.count * 80)
                for i in range {
                    appendCSV(
                        key: key(from + i), summary: summary, index: from + i, prediction: predictions[from + i],
                        to: &csv)
                }
                return [csv.bytes]
            }
            for part in chunks.joined() { write(part) }
            start = end
        }
    }

    /// One customer's prediction as a JSON object.
    public static func json(key: String, summary: PurchaseSummary, index i: Int, prediction p: CustomerPrediction)
        -> String
    {
        var csv = CSVBuffer(capacity: 256)
        appendCSV(key: "", summary: summary, index: i, prediction: p, to: &csv)
        let cells = String(decoding: csv.bytes.dropLast(), as: UTF8.self).split(
            separator: ",", omittingEmptySubsequences: false)
        var json = JSONWriter()
        json.open()
        json.field("customer_id", key)
        for (name, cell) in zip(predictionColumns.dropFirst(), cells.dropFirst()) {
            json.key(name)
            json.raw(cell.isEmpty ? "null" : String(cell))
        }
        json.close()
        return json.text
    }

    /// A calibration/holdout check as a table.
    public static func table(_ check: ModelCheck, model: PredictiveModel, calibrationEnd: Day, holdoutEnd: Day)
        -> String
    {
        var text =
            "\(title(model)) calibrated to \(calibrationEnd), checked on \(number(check.holdoutWeeks, digits: 2)) weeks to \(holdoutEnd)\n"
        text += "  x (repeat purchases)   customers   actual/customer   expected/customer\n"
        for row in check.rows {
            text +=
                "  " + row.label.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(row.customers).leftPadded(11) + number(row.actual, digits: 3).leftPadded(18)
                + number(row.expected, digits: 3).leftPadded(20) + "\n"
        }
        text +=
            "  total: actual \(number(check.totalActual, digits: 1)), expected \(number(check.totalExpected, digits: 1))\n"
        text += "  correlation over customers (expected vs actual): \(number(check.correlation, digits: 4))\n"
        return text
    }

    /// A check as one JSON object.
    public static func json(_ check: ModelCheck, model: PredictiveModel, calibrationEnd: Day, holdoutEnd: Day) -> String
    {
        var json = JSONWriter()
        json.open()
        json.field("model", model.rawValue)
        json.field("calibration_end", calibrationEnd.description)
        json.field("holdout_end", holdoutEnd.description)
        json.key("holdout_weeks")
        json.raw(number(check.holdoutWeeks))
        json.key("correlation")
        json.raw(number(check.correlation))
        json.key("total_actual")
        json.raw(number(check.totalActual))
        json.key("total_expected")
        json.raw(number(check.totalExpected))
        json.key("by_x")
        json.raw("[")
        for (i, row) in check.rows.enumerated() {
            var item = JSONWriter()
            item.open()
            item.field("x", row.label)
            item.key("customers")
            item.raw(String(row.customers))
            item.key("actual")
            item.raw(number(row.actual))
            item.key("expected")
            item.raw(number(row.expected))
            item.close()
            json.raw((i == 0 ? "" : ",") + item.text)
        }
        json.raw("]")
        json.close()
        return json.text
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
