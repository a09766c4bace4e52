import Foundation

/// The kernel's native interchange format: one JSON event per line (NDJSON). See
/// `docs/ndjson.md` in the repository for the full description.
///
/// ```json
/// {"id":"e1","type":"order.placed","source":"shop","at":"2024-03-01T10:00:00Z",
///  "order":{"id":"1001","customer":{"id":"c7","email":"ann@example.com"},"currency":"EUR",
///           "total":"25.00","lines":[{"sku":"MUG-1","quantity":2,"unit_price":"12.50"}]}}
/// ```
///
/// A field added here must be added to ``NDJSONFastDecoder`` too, which skips fields it does not
/// know (as `JSONDecoder` skips those not here).
enum NDJSONWire {
    struct Event: Codable {
        var id: String?
        var type: String?
        var source: String?
        var at: String?
        var customer: Customer?
        var order: Order?
        var refund: Refund?
        var cart: Cart?
        var consent: Consent?
        var contact_point: ContactPointWire?
        var ticket: Ticket?
        var mail: Mail?
        var product: Product?
    }

    struct Ref: Codable, Hashable {
        var source: String
        var id: String
    }

    struct Customer: Codable {
        var id: String?
        var refs: [Ref]?
        var email: String?
        var phone: String?
        var first_name: String?
        var last_name: String?
        var country: String?
        var timezone: String?
        var birthday: String?
        var tags: [String]?
        var created_at: String?
    }

    struct Line: Codable {
        var sku: String
        var name: String?
        var quantity: Int
        var unit_price: Amount
    }

    struct Order: Codable {
        var id: String
        var customer: Customer?
        var placed_at: String?
        var currency: String?
        var total: Amount?
        var lines: [Line]?
        var cart_id: String?
        var referral_code: String?
    }

    struct Refund: Codable {
        var order_id: String
        var amount: Amount
        var currency: String
    }

    struct Cart: Codable {
        var id: String
        var customer: Customer
        var currency: String
        var total: Amount?
        var lines: [Line]?
        var status: String?
    }

    struct ContactPointWire: Codable {
        var customer: Customer
        var channel: String
        var address: String
        var status: String
    }

    struct Consent: Codable {
        var customer: Customer
        var channel: String
        var status: String
        var evidence: String?
    }

    struct Ticket: Codable {
        var id: String
        var customer: Customer
        var subject: String?
        var status: String?
    }

    struct Attachment: Codable {
        var name: String?
        var type: String
        var size: Int
    }

    /// A `mail.received` event's message; `kind` is `message`, `auto_reply`, `bounce` or
    /// `complaint` (the last two name the addresses in `failed`).
    struct Mail: Codable {
        var message_id: String
        var in_reply_to: [String]?
        var references: [String]?
        var from: String?
        var from_name: String?
        var to: [String]?
        var subject: String?
        var sent_at: String?
        var body: String?
        var attachments: [Attachment]?
        var kind: String?
        var failed: [String]?
        var direction: String?
        var priority: String?
        var warnings: [String]?
    }

    /// A decimal amount given as a JSON string (`"12.50"`, exact) or number (`12.5`).
    struct Amount: Codable {
        var text: String
        init(_ text: String) { self.text = text }
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else if let integer = try? container.decode(Int64.self) {
                text = String(integer)
            } else {
                text = "\(try container.decode(Decimal.self))"
            }
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        }
    }
}
