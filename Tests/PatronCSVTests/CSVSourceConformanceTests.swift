import Foundation
import PatronCSV
import PatronCore
import PatronTestKit
import Testing

/// The CSV connector passes the kit every source connector must pass: stable event ids,
/// idempotent replay, valid events, located errors.
@Suite struct CSVSourceConformanceTests {
    init() { TestChannels.register() }

    @Test func onlineRetailShopifyAndGenericOrdersConform() async throws {
        var sources: [CSVSource] = []
        if let retail = Shared.path("data/online_retail/online_retail_II_subset.csv") {
            sources.append(CSVSource(path: retail, format: .onlineRetail))
        }
        if let shopify = Shared.path("fixtures/shopify/csv/orders_export_1.devstore.redacted.csv") {
            sources.append(CSVSource(path: shopify, format: .shopifyOrders))
        }
        let orders = try temporaryFile(
            Array(
                """
                Order Number;Email;Order Date;Grand Total;Currency
                1001;ann@example.com;2024-03-01 10:00:00 +01:00;1.234,50;EUR
                1002;bob@example.com;01.03.2024 11:00;12,00;EUR

                """.utf8))
        sources.append(
            CSVSource(path: orders, format: .orders, settings: CSVImportSettings(currency: nil, decimalComma: true)))
        for source in sources {
            let report = try await SourceConnectorConformance.check(source)
            #expect(report.events > 0, "\(source.path)")
        }
    }

    @Test func aRaggedFileIsALocatedError() async throws {
        let ragged = try temporaryFile(Array("order_id,email,placed_at,total\n1,a@x.io,2024-01-01,5\n2,b@x.io\n".utf8))
        let error = try await SourceConnectorConformance.checkRejects(
            CSVSource(path: ragged, format: .orders, settings: CSVImportSettings(currency: .eur)))
        #expect(error.location?.line == 3)
    }
}
