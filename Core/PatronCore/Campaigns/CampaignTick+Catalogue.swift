import Foundation

extension CampaignTick {
    /// What templates say of products: the catalogue's product of each run's SKU, the
    /// customer's recommendations when a template of the flow lists them, and the signed token
    /// product links carry (so that a click identifies the visitor to the tracker).
    func addCatalogue(to records: inout [Int64: TemplateRecords], runs: [Enrollment], flow: Flow, now: Int64) throws {
        guard !runs.isEmpty else { return }
        let skus = Array(Set(runs.compactMap(\.context.sku)))
        let products = skus.isEmpty ? [:] : try store.read { try $0.products(skus: skus) }
        let listsThem = flow.templates.values.contains {
            $0.body.contains("recommendations") || ($0.subject ?? "").contains("recommendations")
        }
        var lists: [String: [Recommendation]] = [:]
        for run in runs {
            var record = records[run.id] ?? TemplateRecords()
            record.product = run.context.sku.flatMap { products[$0] }
            record.visitorToken = surveyLinks?.visitorToken(run.customerID, expiresAt: now + 30 * 86_400)
            if listsThem {
                // Never the product the message is about (nor its other variants).
                let key = "\(run.customerID.rawValue):\(run.context.sku ?? "")"
                if lists[key] == nil {
                    // No stored model yet, or a customer gone: the list is empty (a section shows nothing).
                    lists[key] =
                        (try? RecommendationDesk.forCustomer(
                            store, run.customerID, n: Self.recommendationsPerMessage, at: now, from: .stored,
                            excluding: Set(run.context.sku.map { [$0] } ?? []))) ?? []
                }
                record.recommendations = lists[key] ?? []
            }
            records[run.id] = record
        }
    }

    /// How many suggestions a message's `recommendations` holds.
    static var recommendationsPerMessage: Int { 4 }
}
