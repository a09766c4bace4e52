import Foundation
import PatronCore

/// The JSON Schemas of the API's bodies, for the OpenAPI document. The customer schema is built
/// from the segment catalogue, the same source the responses are rendered from.
enum APISchemas {
    static func nullable(_ type: String, _ extra: [String: Any] = [:]) -> [String: Any] {
        extra.merging(["type": [type, "null"]]) { $1 }
    }

    static func object(_ properties: [String: [String: Any]], required: [String]? = nil) -> [String: Any] {
        ["type": "object", "properties": properties, "required": required ?? properties.keys.sorted()]
    }

    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    static func array(_ items: [String: Any]) -> [String: Any] { ["type": "array", "items": items] }

    static func page(_ item: String) -> [String: Any] {
        object(["items": array(ref(item)), "next_cursor": nullable("string")])
    }

    /// A JSON request body referring to a component schema.
    static func body(_ name: String) -> [String: Any] {
        ["required": true, "content": ["application/json": ["schema": ref(name)]]]
    }

    static func schema(of field: SegmentField) -> [String: Any] {
        switch field.type {
        case .string: nullable("string")
        case .integer: nullable("integer")
        case .money: nullable("string", ["description": "A decimal amount in the store's currency."])
        case .instant: nullable("string", ["format": "date-time"])
        case .enumeration(let values): ["enum": values + [NSNull()]]
        case .stringList: nullable("array", ["items": ["type": "string"]])
        case .decimal: nullable("number")
        }
    }

    static var customer: [String: Any] {
        var properties: [String: [String: Any]] = [
            "id": ["type": "integer", "description": "The store's id (`patron:N` in paths)."],
            "customer_id": ["type": "string", "description": "The source's id, or `patron:N` when there is none."],
        ]
        for field in CustomerJSON.fields { properties[field.name] = schema(of: field) }
        var schema = object(properties)
        properties["refs"] = array(["type": "string"])
        schema["properties"] = properties
        return schema
    }

    static var customerInput: [String: Any] {
        var properties: [String: [String: Any]] = [
            "source": ["type": "string", "minLength": 1, "pattern": "^[^:]+$"],
            "id": ["type": "string", "minLength": 1],
            "tags": array(["type": "string"]),
            "consent": [
                "type": "object", "additionalProperties": false,
                "properties": Dictionary(
                    uniqueKeysWithValues: ChannelRegistry.registered.channels.map {
                        ($0.rawValue, ["enum": ConsentStatus.allCases.map(\.rawValue)] as [String: Any])
                    }),
            ],
        ]
        for name in CustomerInput.strings { properties[name] = nullable("string") }
        properties["created_at"] = nullable("string", ["format": "date-time"])
        properties["birthday"] = nullable("string", ["pattern": "^([0-9]{4}|-)-[0-9]{2}-[0-9]{2}$"])
        return ["type": "object", "properties": properties, "additionalProperties": false]
    }

    static var line: [String: Any] {
        object([
            "sku": ["type": "string"], "name": nullable("string"), "quantity": ["type": "integer"],
            "unit_price": ["type": "string"],
        ])
    }

    static var decimal: [String: Any] { ["type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"] }
    static var time: [String: Any] { ["type": "string", "format": "date-time"] }

    static var components: [String: Any] {
        basics.merging(loyalty) { a, _ in a }.merging(tierOverride) { a, _ in a }.merging(feedback) { a, _ in a }
            .merging(recommendations) { a, _ in a }.merging(track) { a, _ in a }
    }

    static var basics: [String: Any] {
        [
            "Problem": object(
                [
                    "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                    "detail": ["type": "string"],
                ]),
            "Health": object(
                [
                    "status": ["type": "string", "enum": ["ok", "unavailable"]], "service": ["type": "string"],
                    "store": object(
                        [
                            "reachable": ["type": "boolean"], "checked_at": ["type": "integer"],
                            "since": ["type": "integer"], "failed_checks": ["type": "integer"],
                            "engine": ["type": "string"], "error": ["type": "string"],
                            "retry_in_seconds": ["type": "integer"],
                            "connections": object([
                                "size": ["type": "integer"], "in_use": ["type": "integer"],
                                "waiting": ["type": "integer"],
                            ]),
                        ], required: ["reachable", "checked_at", "since", "failed_checks"]),
                    "outbox": ["type": "object", "additionalProperties": ["type": "integer"]],
                    "leases": array(
                        object([
                            "name": ["type": "string"], "holder": ["type": "string"],
                            "expires_at": ["type": "integer"],
                        ])),
                ], required: ["status", "service", "store"]),
            "Customer": customer,
            "CustomerPage": page("Customer"),
            "CustomerInput": customerInput,
            "PushSubscription": object(
                [
                    "endpoint": ["type": "string", "format": "uri"],
                    "keys": object(["p256dh": ["type": "string"], "auth": ["type": "string"]]),
                ]),
            "Erased": object(["erased": ["type": "integer"], "customer": ["type": "string"]]),
            "CustomerDataExport": object(
                [
                    "customer": ["type": "object"], "orders": array(["type": "object"]),
                    "carts": array(["type": "object"]), "tickets": array(["type": "object"]),
                    "messages": array(["type": "object"]), "consent_history": array(["type": "object"]),
                ]),
            "TimelineEntry": object(
                [
                    "at": time, "kind": ["type": "string"], "summary": ["type": "string"], "ref": ["type": "string"],
                    "amount": decimal, "currency": ["type": "string"],
                ], required: ["at", "kind", "summary"]),
            "Timeline": object(["customer": ["type": "string"], "entries": array(ref("TimelineEntry"))]),
            "Order": object(
                [
                    "id": ["type": "integer"], "ref": ["type": "string"], "customer": ["type": "string"],
                    "placed_at": time, "status": ["enum": ["placed", "cancelled"]], "currency": ["type": "string"],
                    "total": decimal, "refunded": decimal, "lines": array(line), "updated_at": time,
                ]),
            "OrderPage": page("Order"),
            "Cart": object(
                [
                    "id": ["type": "integer"], "ref": ["type": "string"], "customer": ["type": "string"],
                    "status": ["enum": ["open", "converted", "deleted"]], "currency": ["type": "string"],
                    "value": decimal, "lines": array(line), "updated_at": time,
                ]),
            "CartPage": page("Cart"),
            "Ticket": object(
                [
                    "id": ["type": "integer"], "ref": ["type": "string"], "customer": ["type": "string"],
                    "subject": ["type": "string"], "status": ["enum": ["open", "pending", "closed"]],
                    "opened_at": time, "updated_at": time,
                ]),
            "TicketPage": page("Ticket"),
            "Segment": object(
                [
                    "name": ["type": "string"], "expression": ["type": "string"], "saved_at": time,
                    "count": ["type": "integer"],
                ], required: ["name", "expression", "saved_at"]),
            "SegmentList": object(["items": array(ref("Segment"))]),
            "Flow": object(
                [
                    "id": ["type": "string"], "name": ["type": "string"],
                    "status": ["type": "string", "enum": ["draft", "active", "paused", "archived"]],
                    "activated_at": nullable("string"), "updated_at": time,
                ], required: ["id", "name", "status", "updated_at"]),
            "FlowList": object(["items": array(ref("Flow"))]),
            "FlowDetail": object(
                [
                    "id": ["type": "string"], "name": ["type": "string"], "status": ["type": "string"],
                    "activated_at": nullable("string"), "updated_at": time, "source": ["type": "string"],
                    "stats": object(
                        [
                            "messages": ["type": "object", "additionalProperties": ["type": "integer"]],
                            "decisions": ["type": "object", "additionalProperties": ["type": "integer"]],
                            "treated": ["type": "integer"], "holdout": ["type": "integer"],
                            "treated_converted": ["type": "integer"], "holdout_converted": ["type": "integer"],
                            "attributed_orders": ["type": "integer"], "attributed_revenue": decimal,
                            "lift": ["type": ["number", "null"]],
                        ]),
                ], required: ["id", "name", "status", "source", "stats"]),
            "SegmentCount": object(["segment": ["type": "string"], "count": ["type": "integer"]]),
            "RFMSummary": object(
                [
                    "as_of": ["type": "string", "format": "date"], "bins": ["type": "integer"],
                    "customers": ["type": "integer"], "revenue": decimal, "currency": nullable("string"),
                    "grid": array(
                        object(
                            [
                                "r": ["type": "integer"], "f": ["type": "integer"], "customers": ["type": "integer"],
                                "revenue": decimal,
                            ])),
                    "segments": array(
                        object(["name": ["type": "string"], "customers": ["type": "integer"], "revenue": decimal])),
                ]),
            "RFMScore": object(
                [
                    "customer": ["type": "string"], "as_of": ["type": "string"], "r": ["type": "integer"],
                    "f": ["type": "integer"], "m": ["type": "integer"], "segment": ["type": "string"],
                ]),
            "Metrics": object(
                [
                    "as_of": ["type": "string"], "period_days": ["type": "integer"], "customers": ["type": "integer"],
                    "buyers": ["type": "integer"], "active_customers": ["type": "integer"],
                    "orders": ["type": "integer"], "revenue": decimal, "average_order_value": decimal,
                    "purchase_frequency": ["type": "number"], "repeat_purchase_rate": ["type": "number"],
                    "historic_clv": decimal, "currency": ["type": "string"], "churn_rate": nullable("number"),
                    "median_days_between_orders": nullable("number"),
                    "cohorts": array(
                        object(
                            [
                                "cohort": ["type": "string"], "size": ["type": "integer"],
                                "active": array(["type": "integer"]),
                            ])),
                ]),
            "IngestResult": object(
                ["events": ["type": "integer"], "applied": ["type": "integer"], "duplicates": ["type": "integer"]]),
            "WebhookResult": object(
                ["applied": ["type": "integer"], "duplicates": ["type": "integer"], "ignored": ["type": "boolean"]]),
            "AuditEntry": object(
                [
                    "id": ["type": "integer"], "at": time, "action": ["type": "string"], "subject": ["type": "string"],
                    "actor": ["type": "string"], "detail": ["type": "string"], "document": ["type": "object"],
                ], required: ["id", "at", "action", "subject", "actor", "detail"]),
            "AuditList": object(["items": array(ref("AuditEntry"))]),
        ]
    }
}
