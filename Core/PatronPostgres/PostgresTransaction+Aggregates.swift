import Foundation
import PatronCore
import PostgresNIO

extension PostgresTransaction {
    /// One `UPDATE … FROM unnest(…)` of the nine aggregate columns: a tenth of the data the
    /// whole-record update sends, and no text columns to encode.
    public func updateCustomerAggregates(_ customers: [CustomerRecord]) throws {
        guard !customers.isEmpty else { return }
        // The same customer twice: the whole-record path keeps the last write, as one by one.
        guard Set(customers.map(\.id)).count == customers.count else { return try updateCustomers(customers) }
        let ids = customers.map(\.id.rawValue)
        let a = customers.map(\.aggregates)
        typealias Arrays = PostgresArrayLiteral
        try session.send(
            """
            UPDATE customers SET order_count = u.order_count, revenue_minor = u.revenue_minor,
              first_order_at = u.first_order_at, last_order_at = u.last_order_at, open_cart_count = u.open_cart_count,
              open_cart_value_minor = u.open_cart_value_minor, last_cart_activity_at = u.last_cart_activity_at,
              open_ticket_count = u.open_ticket_count, last_ticket_at = u.last_ticket_at
            FROM unnest(\(ids)::bigint[],
                        \(a.map { Int64($0.orderCount) })::bigint[], \(a.map(\.revenueMinor))::bigint[],
                        \(Arrays.int(a.map(\.firstOrderAt)))::bigint[], \(Arrays.int(a.map(\.lastOrderAt)))::bigint[],
                        \(a.map { Int64($0.openCartCount) })::bigint[], \(a.map(\.openCartValueMinor))::bigint[],
                        \(Arrays.int(a.map(\.lastCartActivityAt)))::bigint[],
                        \(a.map { Int64($0.openTicketCount) })::bigint[],
                        \(Arrays.int(a.map(\.lastTicketAt)))::bigint[])
              AS u(id, order_count, revenue_minor, first_order_at, last_order_at, open_cart_count,
                   open_cart_value_minor, last_cart_activity_at, open_ticket_count, last_ticket_at)
            WHERE customers.id = u.id AND customers.id = ANY(\(ids)::bigint[])
            """)
    }
}
