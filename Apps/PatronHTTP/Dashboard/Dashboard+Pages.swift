import Foundation
import HTTPTypes
import Hummingbird
import PatronCore
import PatronSMS

/// The dashboard's pages: each reads through the kernel's functions (the same as the API's and
/// the CLI's, so their figures agree) and renders a template.
extension Dashboard {
    var today: Day { Day(epochSeconds: api.now()) }

    func money(_ minor: Int64, _ digits: Int, _ currency: CurrencyCode?) -> String {
        Money.decimalString(minor, digits: digits) + (currency.map { " \($0)" } ?? "")
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.1f %%", value * 100)
    }

    // MARK: Overview

    func overview(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let currency = try api.store.reportingCurrency()
        let digits = CurrencyCode.minorUnitDigits(of: currency)
        // (without orders the kernel has no figures: it says so with an invalid-argument error;
        // any other error, an unreachable store among them, is the page's error)
        var metrics: RetentionMetrics?
        do {
            metrics = try await retentionMetrics().value
        } catch let error as PatronError where error.code == .invalidArgument {
            metrics = nil
        }
        guard let metrics, metrics.orders > 0 else {
            return Page(
                title: "Overview", section: "overview",
                content: DashboardTemplates.message.render([
                    "message": "The store has no orders yet: import or ingest some, and the figures appear here."
                ]))
        }
        var kpis: [[String: Any]] = [
            ["name": "Customers", "value": metrics.customers, "hint": "\(metrics.buyers) with orders"],
            ["name": "Repeat purchase rate", "value": Self.percent(metrics.repeatPurchaseRate)],
            ["name": "Average order value", "value": money(metrics.averageOrderValueMinor, digits, currency)],
            [
                "name": "Purchase frequency", "value": String(format: "%.2f", metrics.purchaseFrequency),
                "hint": "orders per buyer",
            ],
            [
                "name": "Churn", "value": Self.percent(metrics.churnRate),
                "hint": "no order in \(metrics.periodDays) days",
            ],
            [
                "name": "Historic CLV", "value": money(metrics.historicCLVMinor, digits, currency),
                "hint": "revenue per buyer",
            ],
            [
                "name": "Revenue", "value": money(metrics.revenueMinor, digits, currency),
                "hint": "\(metrics.orders) orders",
            ],
            [
                "name": "Days between orders",
                "value": metrics.medianDaysBetweenOrders.map { String(format: "%.0f", $0) } ?? "–",
                "hint": "median",
            ],
        ]
        let rows = metrics.cohorts.rows.suffix(24)
        let chart = SVGChart.Bars(
            title: "New buyers by month",
            bars: rows.enumerated().map { index, row in
                (
                    label: index % 3 == 0 || index == rows.count - 1 ? row.cohort : "", value: Double(row.size),
                    text: "\(row.size)"
                )
            }
        ).svg()
        let predicted = try await predictedTotals()
        if predicted.customers > 0 {
            kpis.append([
                "name": "Predicted CLV (12 months)",
                "value": predicted.withValue > 0
                    ? money(predicted.lifetimeValueMinor / Int64(predicted.withValue), digits, currency) : "–",
                "hint": "mean of \(predicted.withValue) customers with a prediction",
            ])
            kpis.append([
                "name": "Expected alive", "value": Self.percent(predicted.alive / Double(predicted.customers)),
                "hint": "mean P(alive) of \(predicted.customers) customers",
            ])
        } else {
            kpis.append([
                "name": "Predicted CLV (12 months)", "value": "–",
                "hint": "no predictions saved (patron predict fit --save)",
            ])
        }
        var values: [String: Any] = [
            "asOf": metrics.asOf.description, "periodDays": metrics.periodDays, "kpis": kpis, "chart": chart,
        ]
        let run = try await rfmView().run
        if let previous = run.previousSnapshot, run.comparable {
            values["moves"] = ["since": previous.asOf.description, "customers": run.moves.count]
        }
        return Page(title: "Overview", section: "overview", content: DashboardTemplates.overview.render(values))
    }

    /// The retention metrics as of today (kept a minute).
    func retentionMetrics() async throws -> RefreshingFigure<RetentionMetrics>.Kept {
        let (store, day) = (api.store, today)
        return try await metricsFigure.value(day: day.epochSeconds, executor: executor) {
            try RetentionMetrics.compute(store: store, asOf: day, periodDays: 365)
        }
    }

    /// The saved predictions summed over the store (kept a minute): one pass over the customers
    /// that have one, as the segment fields read them.
    func predictedTotals() async throws -> PredictedTotals {
        let (store, day, now) = (api.store, today, api.now())
        let digits = try api.digits()
        return try await predictionFigure.value(day: day.epochSeconds, executor: executor) {
            let fields = ["predicted.clv_12m", "predicted.p_alive"].compactMap(SegmentCatalogue.field(named:))
            let expression = try store.parseSegment("predicted.p_alive >= 0", currencyDigits: digits)
            var totals = PredictedTotals()
            var after = CustomerID(0)
            while true {
                var count = 0
                try await store.forEachSegmentMember(
                    expression, fields: fields, now: now, after: after, limit: 10_000
                ) { row in
                    count += 1
                    after = row.id
                    totals.customers += 1
                    if !row.isNull(0) {
                        totals.withValue += 1
                        totals.lifetimeValueMinor &+= row.integer(0)  // (bounded by 10^15 × customers)
                    }
                    if !row.isNull(1) { totals.alive += Double(row.integer(1)) / StoredPrediction.scale }
                }
                if count < 10_000 { break }
            }
            return totals
        }.value
    }

    // MARK: RFM

    /// RFM as of today, as `patron rfm` and `GET /v1/rfm` compute it, with what the pages read
    /// from it (kept a minute).
    func rfmView() async throws -> RFMView {
        let currency = try api.store.reportingCurrency()
        let (store, day) = (api.store, today)
        return try await rfmFigure.value(day: day.epochSeconds, executor: executor) {
            RFMView(
                try RFMRun.compute(
                    store: store, asOf: day, windowDays: nil, configuration: RFMConfiguration(), currency: currency))
        }.value
    }

    func rfm(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let view = try await rfmView()
        let summary = view.summary
        let currency = summary.currency ?? ""
        let bins = summary.bins
        var grid = [[SVGChart.HeatMap.Cell?]](
            repeating: [SVGChart.HeatMap.Cell?](repeating: nil, count: bins), count: bins)
        var cells: [[String: Any]] = []
        for cell in summary.grid.sorted(by: { ($0.r, $0.f) > ($1.r, $1.f) }) {
            let href = "/app/rfm/cell?r=\(cell.r)&f=\(cell.f)"
            let segment = view.cell(r: cell.r, f: cell.f).segment
            let row = bins - cell.r
            if row >= 0, row < bins, cell.f >= 1, cell.f <= bins {
                grid[row][cell.f - 1] = SVGChart.HeatMap.Cell(
                    value: Double(cell.customers), text: "\(cell.customers)",
                    label:
                        "R \(cell.r), F \(cell.f): \(cell.customers) customers, \(cell.revenue) \(currency) (\(segment))",
                    href: cell.customers > 0 ? href : nil)
            }
            cells.append([
                "r": cell.r, "f": cell.f, "customers": cell.customers, "revenue": cell.revenue, "segment": segment,
                "href": href,
            ])
        }
        let chart = SVGChart.HeatMap(
            title: "Customers per R × F cell", rowTitle: "Recency score (R)", columnTitle: "Frequency score (F)",
            rows: (1...bins).reversed().map(String.init), columns: (1...bins).map(String.init), cells: grid
        ).svg()
        var values: [String: Any] = [
            "asOf": summary.asOf, "customers": summary.customers, "revenue": summary.revenue, "currency": currency,
            "bins": bins, "chart": chart, "cells": cells,
            "segments": summary.segments.map { ["name": $0.name, "customers": $0.customers, "revenue": $0.revenue] },
        ]
        // The moves between the last two saved snapshots, as saved with the newest.
        let saved = try api.store.latestSnapshotMoves()
        if let saved, let previous = saved.previousAsOf, !saved.comparable {
            values["incomparable"] = ["between": "\(previous) and \(saved.asOf)"]
        } else if let saved, let previous = saved.previousAsOf {
            values["hasMoves"] = true
            values["between"] = "\(previous) and \(saved.asOf)"
            values["moved"] = saved.counts.reduce(0) { $0 + $1.customers }
            values["moves"] = saved.counts.map {
                ["from": $0.from ?? "(new)", "to": $0.to ?? "(gone)", "customers": $0.customers]
            }
        }
        if let previous = view.run.previousSnapshot, view.run.comparable {
            values["sinceLast"] = ["since": previous.asOf.description, "customers": view.run.moves.count]
        }
        return Page(title: "RFM", section: "rfm", content: DashboardTemplates.rfm.render(values))
    }

    func cellParameters(_ request: Request) throws(Problem) -> (r: Int, f: Int) {
        let query = request.uri.queryParameters
        guard let r = query["r"].flatMap({ Int(String($0)) }), let f = query["f"].flatMap({ Int(String($0)) }),
            (1...9).contains(r), (1...9).contains(f)
        else { throw Problem(.badRequest, "a cell is r=1…5&f=1…5") }
        return (r, f)
    }

    func rfmCell(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let (r, f) = try cellParameters(request)
        let view = try await rfmView()
        let digits = try api.digits()
        let cell = view.cell(r: r, f: f)
        let count = cell.members.count
        let pageSize = 50
        // (clamped: a page past the end shows the last, and no page number overflows)
        let requested = request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 0
        let page = min(max(0, requested), max(0, (count - 1) / pageSize))
        let slice = view.members(r: r, f: f, offset: page * pageSize, limit: pageSize)
        let base = "/app/rfm/cell?r=\(r)&f=\(f)"
        var values: [String: Any] = [
            "r": r, "f": f, "count": count, "asOf": view.run.asOf.description, "segment": cell.segment,
            "export": "/app/rfm/cell.csv?r=\(r)&f=\(f)",
            "members": slice.map { score -> [String: Any] in
                [
                    "id": score.fact.customerID.rawValue, "key": score.fact.key, "recency": score.fact.recencyDays,
                    "frequency": score.fact.frequency,
                    "monetary": Money.decimalString(score.fact.monetaryMinor, digits: digits), "m": score.m,
                ]
            },
            "range": count == 0 ? "none" : "\(page * pageSize + 1)–\(page * pageSize + slice.count) of \(count)",
        ]
        if page > 0 { values["previous"] = base + "&page=\(page - 1)" }
        if (page + 1) * pageSize < count { values["next"] = base + "&page=\(page + 1)" }
        return Page(title: "RFM cell R \(r) · F \(f)", section: "rfm", content: DashboardTemplates.cell.render(values))
    }

    /// The cell's customers as `patron segment export` writes them (the same fields and CSV),
    /// in customer order.
    func rfmCellExport(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let (r, f) = try cellParameters(request)
        let view = try await rfmView()
        let members = Set(view.cell(r: r, f: f).members.map { view.run.scores[$0].fact.customerID })
        let everyone = try api.store.parseSegment("orders.count >= 0", currencyDigits: try api.digits())
        throw Answer(
            response: try await csvExport(everyone, filename: "rfm-r\(r)-f\(f).csv", keep: { members.contains($0) }))
    }

    /// A segment's members as CSV, as `patron segment export` writes them; `keep` filters them.
    func csvExport(
        _ expression: SegmentExpression, filename: String, keep: (CustomerID) -> Bool = { _ in true }
    ) async throws -> Response {
        let digits = try api.digits()
        let fields = SegmentExport.defaultFields.compactMap(SegmentCatalogue.field(named:))
        var csv = CSVBuffer(capacity: 1 << 16)
        var after = CustomerID(0)
        let now = api.now()
        while true {
            var count = 0
            try await api.store.forEachSegmentMember(
                expression, fields: fields, now: now, after: after, limit: 10_000
            ) { row in
                count += 1
                after = row.id
                if keep(row.id) {
                    SegmentExport.appendCSV(row, fields: fields, digits: digits, guardFormulas: true, to: &csv)
                }
            }
            if count < 10_000 { break }
        }
        let body = SegmentExport.csvHeader(fields) + "\n" + String(decoding: csv.bytes, as: UTF8.self)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(filename)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `/app/segments/export.csv?expression=…`: the members of an expression, saved or not.
    func segmentExport(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let text = request.uri.queryParameters["expression"].map(String.init) ?? ""
        let expression = try api.store.parseSegment(text, currencyDigits: try api.digits())
        throw Answer(response: try await csvExport(expression, filename: "segment.csv"))
    }

    /// Saves the expression under a name (write keys), as `patron segment save` does.
    func saveSegment(_ request: Request, _ viewer: Viewer, form: FormFields) async throws -> Page {
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let expression = form["expression"] ?? ""
        try await api.store.saveSegment(
            name: name, expression: expression, currencyDigits: try api.digits(), at: api.now())
        api.logger.notice("segment saved", metadata: ["segment": "\(name)", "key": "\(viewer.key.name)"])
        segmentHistoryFigure.forget()  // (the list of saved segments changed)
        var response = Response(status: .seeOther)
        response.headers[.location] = "/app/segments?expression=\(Self.query(expression))&saved=\(Self.query(name))"
        throw Answer(response: response)
    }

    // MARK: Cohorts

    func cohorts(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let metrics = try await retentionMetrics().value
        let rows = Array(metrics.cohorts.rows.suffix(24))
        let width = min(24, rows.map(\.active.count).max() ?? 0)
        let offsets = Array(1..<max(1, width))
        let chart = SVGChart.HeatMap(
            title: "Retention by monthly cohort", rowTitle: "Cohort", columnTitle: "Months after the first order",
            rows: rows.map(\.cohort), columns: offsets.map { "+\($0)" },
            cells: rows.map { row in
                offsets.map { offset -> SVGChart.HeatMap.Cell? in
                    guard offset < row.active.count else { return nil }
                    let share = row.retention[offset]
                    return SVGChart.HeatMap.Cell(
                        value: share, text: String(format: "%.0f", share * 100),
                        label:
                            "\(row.cohort), month +\(offset): \(row.active[offset]) of \(row.size) (\(Self.percent(share)))"
                    )
                }
            }
        ).svg()
        return Page(
            title: "Cohorts", section: "cohorts",
            content: DashboardTemplates.cohorts.render([
                "asOf": metrics.asOf.description, "partial": metrics.cohorts.lastMonthIsPartial, "chart": chart,
                "offsets": offsets,
                "rows": metrics.cohorts.rows.map { row in
                    [
                        "cohort": row.cohort, "size": row.size,
                        "cells": offsets.map { $0 < row.active.count ? Self.percent(row.retention[$0]) : "" },
                    ] as [String: Any]
                },
            ]))
    }

    // MARK: Segments

    /// Counts an expression: the count, or the positioned error with its line and a caret.
    func count(_ text: String) async throws -> [String: Any] {
        do {
            let expression = try api.store.parseSegment(text, currencyDigits: try api.digits())
            return ["count": try await api.store.segmentCount(expression, now: api.now())]
        } catch let error as SegmentError {
            let (excerpt, caret) = SegmentError.excerpt(of: error.sourceLine, around: error.position.column)
            return [
                "error": error.description, "line": excerpt, "caret": String(repeating: " ", count: caret) + "^",
            ]
        }
    }

    func segments(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let expression = request.uri.queryParameters["expression"].map(String.init) ?? ""
        var values: [String: Any] = ["expression": expression]
        if !expression.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let answer = try await count(expression)
            values.merge(answer) { $1 }
            if answer["line"] != nil { values["caret"] = true }
        }
        let digits = try api.digits()
        let store = api.store
        let histories = try await segmentHistoryFigure.value(day: today.epochSeconds, executor: executor) {
            var sizes: [String: [(takenAt: Int64, members: Int)]] = [:]
            for segment in try store.savedSegments() {
                sizes[segment.name] = try store.membershipSizes(of: segment.name, limit: 12)
            }
            return sizes
        }.value
        var saved: [[String: Any]] = []
        for segment in try api.store.savedSegments() {
            let size = try? await api.store.segmentCount(
                api.store.parseSegment(segment.expression, currencyDigits: digits), now: api.now())
            let sizes = histories[segment.name] ?? []
            let history = sizes.map { "\($0.members) on \(Day(epochSeconds: $0.takenAt))" }.joined(separator: ", ")
            saved.append([
                "history": sizes.isEmpty ? "no snapshot yet" : history,
                "spark": SVGChart.Spark(label: "Size at the last snapshots: \(history)", values: sizes.map(\.members))
                    .svg(),
                "name": segment.name, "expression": segment.expression, "query": Self.query(segment.expression),
                "path": Self.query(segment.name), "size": size.map(String.init) ?? "–",
                "savedAt": Timestamp.format(segment.savedAt),
            ])
        }
        values["saved"] = saved
        values["hasSaved"] = !saved.isEmpty
        if values["count"] != nil {
            values["exportHref"] = "/app/segments/export.csv?expression=" + Self.query(expression)
            if viewer.may(.write) { values["save"] = ["csrf": viewer.csrf] }
        }
        return Page(
            title: "Segments", section: "segments", content: DashboardTemplates.segments.render(values),
            status: values["error"] == nil ? .ok : .badRequest,
            notice: try request.uri.queryParameters["saved"].flatMap { name in
                try api.store.savedSegment(named: String(name)).map { "Saved as '\($0.name)'." }
            })
    }

    /// The live count as JSON (for the page's script): `{"count": N}` or `{"error": …, "line",
    /// "caret"}` with 400.
    func segmentCount(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let expression = request.uri.queryParameters["expression"].map(String.init) ?? ""
        let answer = try await count(expression)
        let data = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        throw Answer(
            response: Response(
                status: answer["error"] == nil ? .ok : .badRequest,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: data))))
    }

    // MARK: Flows

    func flowRow(_ flow: StoredFlow, _ viewer: Viewer, digits: Int, currency: CurrencyCode?) async throws -> [String:
        Any]
    {
        let routes = FlowRoutes(api: api)
        let attribution =
            (try? routes.parse(flow.source, file: flow.id))?.attributionSeconds
            ?? Flow.defaultAttributionSeconds
        let stats = try await api.store.flowStats(flow.id, attributionSeconds: attribution)
        let sent = [.sent, .delivered, .failed].reduce(0) { $0 + (stats.messages[$1] ?? 0) }
        let delivered = stats.messages[.delivered] ?? 0
        var row: [String: Any] = [
            "id": flow.id, "path": Self.query(flow.id), "name": flow.name, "status": flow.status.rawValue,
            "entered": stats.treated + stats.holdout, "sent": sent, "delivered": delivered,
            "converted": stats.treatedConverted, "revenue": money(stats.attributedRevenueMinor, digits, currency),
            "orders": stats.attributedOrders, "treated": stats.treated, "holdout": stats.holdout,
            "lift": stats.lift.map { Self.percent($0) } ?? "–", "stats": stats,
        ]
        if viewer.may(.admin) {
            let verb = flow.status == .active ? "pause" : "activate"
            row["action"] = DashboardTemplates.flowAction.render([
                "path": Self.query(flow.id), "verb": verb, "label": verb == "pause" ? "Pause" : "Activate",
                "csrf": viewer.csrf,
            ])
        }
        return row
    }

    func flows(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let currency = try api.store.reportingCurrency()
        let digits = CurrencyCode.minorUnitDigits(of: currency)
        var items: [[String: Any]] = []
        for flow in try await api.store.flows() {
            items.append(try await flowRow(flow, viewer, digits: digits, currency: currency))
        }
        // (a notice names a flow that exists, in the words of this server)
        let changed = request.uri.queryParameters["changed"].map(String.init)
        let notice = items.first { $0["id"] as? String == changed }.map {
            "\($0["name"] ?? ""): \($0["status"] ?? "")."
        }
        return Page(
            title: "Flows", section: "flows",
            content: DashboardTemplates.flows.render(["items": items, "admin": viewer.may(.admin)]), notice: notice)
    }

    func flow(_ request: Request, _ id: String, _ viewer: Viewer) async throws -> Page {
        let id = id.removingPercentEncoding ?? id
        guard let flow = try await api.store.flows().first(where: { $0.id == id }) else {
            throw Problem(.notFound, "no flow '\(id)'")
        }
        let currency = try api.store.reportingCurrency()
        var row = try await flowRow(
            flow, viewer, digits: CurrencyCode.minorUnitDigits(of: currency), currency: currency)
        let stats = row["stats"] as! FlowStats
        let funnel: [(label: String, value: Double, text: String)] = [
            ("Entered", Double(row["entered"] as! Int), "\(row["entered"]!)"),
            ("Sent", Double(row["sent"] as! Int), "\(row["sent"]!)"),
            ("Delivered", Double(row["delivered"] as! Int), "\(row["delivered"]!)"),
            ("Converted", Double(stats.treatedConverted), "\(stats.treatedConverted)"),
        ]
        row["chart"] = SVGChart.Bars(title: "Funnel of \(flow.name)", bars: funnel, horizontal: true).svg()
        row["decisions"] = stats.decisions.sorted { $0.value > $1.value }.map { ["reason": $0.key, "count": $0.value] }
        row["source"] = flow.source
        if let activatedAt = flow.activatedAt { row["activatedAt"] = Timestamp.format(activatedAt) }
        row["action"] = row["action"] ?? ""
        return Page(title: flow.name, section: "flows", content: DashboardTemplates.flow.render(row))
    }

    func setFlowStatus(_ request: Request, _ id: String, verb: String, _ viewer: Viewer) async throws -> Page {
        let id = id.removingPercentEncoding ?? id
        guard let flow = try await api.store.flows().first(where: { $0.id == id }) else {
            throw Problem(.notFound, "no flow '\(id)'")
        }
        if verb == "activate" { _ = try FlowRoutes(api: api).parse(flow.source, file: flow.path ?? flow.id) }
        _ = try await api.store.setFlowStatus(flow.id, verb == "pause" ? .paused : .active, at: api.now())
        api.logger.notice(
            verb == "pause" ? "flow paused" : "flow activated",
            metadata: ["flow": "\(flow.id)", "key": "\(viewer.key.name)"])
        var response = Response(status: .seeOther)
        response.headers[.location] = "/app/flows?changed=" + Self.query(flow.id)
        throw Answer(response: response)
    }

    // MARK: Customers

    func customerSearch(_ request: Request, _ viewer: Viewer) async throws -> Page {
        let q = (request.uri.queryParameters["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        if !q.isEmpty {
            do {
                let id = try api.customerID(q)
                var response = Response(status: .seeOther)
                response.headers[.location] = "/app/customers/\(id.rawValue)"
                throw Answer(response: response)
            } catch let error as Problem {
                return Page(
                    title: "Customers", section: "customers",
                    content: DashboardTemplates.customerSearch.render(["q": q, "error": error.detail]),
                    status: .notFound)
            } catch let error as PatronError {
                return Page(
                    title: "Customers", section: "customers",
                    content: DashboardTemplates.customerSearch.render(["q": q, "error": error.description]),
                    status: .notFound)
            }
        }
        return Page(
            title: "Customers", section: "customers", content: DashboardTemplates.customerSearch.render(["q": q]))
    }

    func customer(_ request: Request, _ text: String, _ viewer: Viewer) async throws -> Page {
        let id = try api.customerID(text.removingPercentEncoding ?? text)
        let routes = CustomerRoutes(api: api)
        let json = try routes.customerJSON(id)
        let profile = (try JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        let transitions = try await api.store.segmentMoves(of: id)
        let (record, entries) =
            try api.store.read { t -> (CustomerRecord?, [TimelineEntry]) in
                guard let customer = try t.customer(id) else { return (nil, []) }
                return (
                    customer,
                    CustomerTimeline.build(
                        customer: customer, orders: try t.orders(of: id), carts: try t.carts(of: id),
                        tickets: try t.tickets(of: id), transitions: transitions, messages: try t.messages(of: id),
                        consent: try t.consentHistory(of: id), loyalty: try t.loyaltyEntries(of: id),
                        tierChanges: try t.tierChanges(of: id), feedback: try t.feedbackResponses(of: id))
                )
            }
        var scores: [[String: Any]] = []
        if let score = try await api.store.rfmScore(of: id) {
            scores.append(["name": "RFM snapshot", "value": "of \(score.asOf)"])
        }
        // RFM scores, predictions, loyalty and feedback as the segment language reads them (the
        // store joins them; every store has them).
        let digits = try api.digits()
        let fields = SegmentCatalogue.fields.filter {
            SegmentCatalogue.readsSnapshot($0) || SegmentCatalogue.readsPredictions($0)
                || SegmentCatalogue.readsLoyalty($0) || $0.name.hasPrefix("feedback.")
        }
        var row: String?
        try await api.store.forEachSegmentMember(
            try api.store.parseSegment("orders.count >= 0", currencyDigits: digits), fields: fields, now: api.now(),
            after: CustomerID(id.rawValue - 1), limit: 1
        ) { member in
            if member.id == id { row = SegmentExport.json(member, fields: fields, digits: digits) }
        }
        if let row, let values = try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any] {
            for field in fields {
                guard let value = values[field.name], !(value is NSNull) else { continue }
                scores.append(["name": field.name, "value": "\(value)"])
            }
        }
        var recommended: [[String: Any]] = []
        if let model = try recommendations.current(api.store).model {
            let (_, catalogue) = try recommendations.current(api.store)
            for item in try RecommendationDesk.forCustomer(
                api.store, id, n: 5, at: api.now(), from: .given(model), catalogue: catalogue)
            {
                recommended.append(["sku": item.sku, "name": item.product?.name ?? item.sku])
            }
        }
        func describe(_ value: Any) -> String {
            switch value {
            case let text as String: return text
            case let number as NSNumber: return number.stringValue
            case let list as [Any]: return list.map(describe).joined(separator: ", ")
            case let object as [String: Any]:
                return object.sorted { $0.key < $1.key }.map { "\($0.key): \(describe($0.value))" }.joined(
                    separator: "; ")
            default: return ""
            }
        }
        let consent = profile.filter { $0.key.hasPrefix("consent.") }.sorted { $0.key < $1.key }.map {
            ["name": String($0.key.dropFirst("consent.".count)), "value": describe($0.value)]
        }
        let consentHistory = entries.filter { $0.kind.hasPrefix("consent") }.reversed().map {
            ["at": Timestamp.format($0.at), "summary": $0.summary]
        }
        let name = [record?.firstName, record?.lastName].compactMap { $0 }.joined(separator: " ")
        let facts =
            (name.isEmpty ? [] : [["name": "name", "value": name]])
            + profile.filter { !$0.key.hasPrefix("consent.") && !($0.value is NSNull) }.sorted { $0.key < $1.key }
            .map {
                ["name": $0.key.replacingOccurrences(of: "_", with: " "), "value": describe($0.value)]
            }
        return Page(
            title: name.isEmpty ? "Customer \(id.reportKey)" : "\(name) (\(id.reportKey))", section: "customers",
            content: DashboardTemplates.customer.render([
                "profile": facts, "scores": scores, "consent": consent, "consentHistory": consentHistory,
                "hasConsentHistory": !consentHistory.isEmpty, "recommendations": recommended,
                "hasRecommendations": !recommended.isEmpty,
                "timeline": entries.reversed().map { entry in
                    [
                        "at": Timestamp.format(entry.at), "kind": entry.kind, "summary": entry.summary,
                        "amount": entry.amount.map { $0 + (entry.currency.map { " \($0)" } ?? "") } ?? "",
                    ]
                },
            ]))
    }
}
