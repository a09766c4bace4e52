import Foundation
import Hummingbird
import PatronCore

/// `/v1/rfm` (the R × F grid and segment sizes), `/v1/rfm/customers/{id}` (a customer's scores
/// in the newest saved snapshot) and `/v1/metrics` (retention KPIs).
struct AnalyticsRoutes<S: PatronStore> {
    let api: APIContext<S>

    var routes: [APIRoute] {
        let asOf = APIParameter.query(
            "as_of", "The day to compute as of (YYYY-MM-DD; default today, UTC).",
            schema: ["type": "string", "format": "date"])
        return [
            APIRoute(
                method: .get, path: "/v1/rfm", operationID: "rfmSummary",
                summary: "RFM now (5 quantile bins, the standard segment map): the R × F grid and segment sizes.",
                scope: .read, parameters: [asOf], responses: [200: APIRoute.json("The summary.", "RFMSummary")],
                handler: summary),
            APIRoute(
                method: .get, path: "/v1/rfm/customers/{id}", operationID: "rfmCustomer",
                summary: "A customer's scores in the newest saved RFM snapshot (`patron rfm --save`).", scope: .read,
                parameters: [.customerID],
                responses: [200: APIRoute.json("The scores.", "RFMScore")], handler: customer),
            APIRoute(
                method: .get, path: "/v1/metrics", operationID: "metrics",
                summary: "Retention KPIs: repeat purchase rate, churn, AOV, frequency, historic CLV, cohorts.",
                scope: .read,
                parameters: [
                    asOf,
                    .query(
                        "period_days", "The activity period for churn (1–3650, default 365).",
                        schema: ["type": "integer", "minimum": 1, "maximum": 3650]),
                ], responses: [200: APIRoute.json("The metrics.", "Metrics")], handler: metrics),
        ]
    }

    func day(_ call: APICall) throws(Problem) -> Day? {
        guard let text = call.query["as_of"] else { return nil }
        guard let day = Day(iso: text) else {
            throw Problem(.badRequest, "query parameter 'as_of': expected a date YYYY-MM-DD, found '\(text)'")
        }
        return day
    }

    func summary(_ request: Request, _ call: APICall) async throws -> Response {
        let currency = try api.store.reportingCurrency()
        let run = try RFMRun.compute(
            store: api.store, asOf: try day(call) ?? Day(epochSeconds: api.now()), windowDays: nil,
            configuration: RFMConfiguration(), currency: currency)
        return APIResponse.json(.ok, PatronJSON.encode(RFMSummaryDocument(run)))
    }

    func customer(_ request: Request, _ call: APICall) async throws -> Response {
        let id = try api.customerID(call.path("id"))
        guard let score = try await api.store.rfmScore(of: id) else {
            throw Problem(
                .notFound, "no saved RFM score for \(call.path("id")) (save a snapshot with `patron rfm --save`)")
        }
        return APIResponse.json(
            .ok,
            object: [
                "customer": id.reportKey, "as_of": score.asOf, "r": score.r, "f": score.f, "m": score.m,
                "segment": score.segment,
            ])
    }

    func metrics(_ request: Request, _ call: APICall) async throws -> Response {
        let period = try call.integer("period_days", default: 365, in: 1...3650)
        let metrics = try RetentionMetrics.compute(
            store: api.store, asOf: try day(call) ?? Day(epochSeconds: api.now()), periodDays: period)
        return APIResponse.json(.ok, metrics.json(currency: try api.store.reportingCurrency()))
    }
}
