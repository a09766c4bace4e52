import Foundation
import PatronCore
import PostgresNIO

extension PostgresTransaction {
    /// One prepared statement: the customer's row, its refs as two arrays in `refs(of:)`'s order,
    /// and the currency (the API's GET customer was three round trips, and planning this one
    /// took longer than running it).
    public func customerSheet(_ id: CustomerID) throws -> CustomerSheet? {
        guard
            let row = try session.rows(
                prepared: "patron_customer_sheet", as: Self.customerSheetSQL, [id.rawValue]
            ).first
        else { return nil }
        let customer = try Self.customer(from: row)
        let (sources, refs, currency) = try session.decode(row) { row in
            let cells = row.makeRandomAccess()
            return (
                try cells[24].decode([String].self), try cells[25].decode([String].self),
                try cells[26].decode(String?.self)
            )
        }
        guard sources.count == refs.count else {
            throw PatronError(.storeFailure, "\(session.server): customer \(id)'s refs came back uneven")
        }
        return CustomerSheet(
            customer: customer, refs: zip(sources, refs).map { ExternalRef(source: $0, id: $1) },
            currency: currency.flatMap(CurrencyCode.init))
    }

    static let customerSheetSQL = """
        SELECT \(customerColumns),
          ARRAY(SELECT source FROM customer_refs WHERE customer_id = customers.id ORDER BY source, ref),
          ARRAY(SELECT ref FROM customer_refs WHERE customer_id = customers.id ORDER BY source, ref),
          (SELECT value FROM meta WHERE key = 'currency')
        FROM customers WHERE id = $1
        """
}
