import Foundation
import PatronCore

/// Orders, carts and tickets as the API shows them: the store's id (for paths), the source's id
/// as `ref` (`source:id`), the customer as `patron:N`, amounts as decimal strings, times RFC 3339.
enum RecordJSON {
    static func lines(_ lines: [OrderLine], digits: Int) -> [[String: Any]] {
        lines.map { line in
            var object: [String: Any] = [
                "sku": line.sku, "quantity": line.quantity,
                "unit_price": Money.decimalString(line.unitPriceMinor, digits: digits),
            ]
            object["name"] = line.name ?? NSNull()
            return object
        }
    }

    static func order(_ order: OrderRecord) -> [String: Any] {
        let digits = order.currency.minorUnitDigits
        return [
            "id": order.id.rawValue, "ref": order.ref.description, "customer": order.customerID.reportKey,
            "placed_at": Timestamp.format(order.placedAt), "status": order.status.rawValue,
            "currency": order.currency.code, "total": Money.decimalString(order.totalMinor, digits: digits),
            "refunded": Money.decimalString(order.refundedMinor, digits: digits),
            "lines": lines(order.lines, digits: digits), "updated_at": Timestamp.format(order.updatedAt),
        ]
    }

    static func cart(_ cart: CartRecord) -> [String: Any] {
        let digits = cart.currency.minorUnitDigits
        return [
            "id": cart.id.rawValue, "ref": cart.ref.description, "customer": cart.customerID.reportKey,
            "status": cart.status.rawValue, "currency": cart.currency.code,
            "value": Money.decimalString(cart.valueMinor, digits: digits), "lines": lines(cart.lines, digits: digits),
            "updated_at": Timestamp.format(cart.updatedAt),
        ]
    }

    static func ticket(_ ticket: TicketRecord) -> [String: Any] {
        [
            "id": ticket.id.rawValue, "ref": ticket.ref.description, "customer": ticket.customerID.reportKey,
            "subject": ticket.subject, "status": ticket.status.rawValue,
            "opened_at": Timestamp.format(ticket.openedAt), "updated_at": Timestamp.format(ticket.updatedAt),
        ]
    }

    /// `{"items": [...], "next_cursor": "N" | null}`: a full page has a next cursor.
    static func page(_ items: [[String: Any]], limit: Int) -> [String: Any] {
        let next: Any = items.count == limit ? String(items.last?["id"] as? Int64 ?? 0) : NSNull()
        return ["items": items, "next_cursor": next]
    }
}
