import Foundation
import Hummingbird
import PatronCore

/// `/v1/orders`, `/v1/carts`, `/v1/tickets`: pages in id order (optionally one customer's, or
/// one status), and one record by the store's id.
struct RecordRoutes<S: PatronStore> {
    let api: APIContext<S>

    var routes: [APIRoute] {
        let customer = APIParameter.query(
            "customer", "Only this customer's (`source:id` or `patron:N`).",
            schema: ["type": "string", "pattern": APIParameter.customerPattern])
        func status(_ values: [String]) -> APIParameter {
            .query("status", "Only records in this status.", schema: ["type": "string", "enum": values])
        }

        return [
            APIRoute(
                method: .get, path: "/v1/orders", operationID: "listOrders", summary: "Orders in id order.",
                scope: .read, parameters: APIParameter.page + [customer],
                responses: [200: APIRoute.json("A page of orders.", "OrderPage")], handler: listOrders),
            APIRoute(
                method: .get, path: "/v1/orders/{id}", operationID: "getOrder", summary: "One order with its lines.",
                scope: .read, parameters: [.recordID("order")], responses: [200: APIRoute.json("The order.", "Order")],
                handler: getOrder),
            APIRoute(
                method: .get, path: "/v1/carts", operationID: "listCarts", summary: "Carts in id order.",
                scope: .read, parameters: APIParameter.page + [customer, status(["open", "converted", "deleted"])],
                responses: [200: APIRoute.json("A page of carts.", "CartPage")], handler: listCarts),
            APIRoute(
                method: .get, path: "/v1/carts/{id}", operationID: "getCart", summary: "One cart with its lines.",
                scope: .read, parameters: [.recordID("cart")], responses: [200: APIRoute.json("The cart.", "Cart")],
                handler: getCart),
            APIRoute(
                method: .get, path: "/v1/tickets", operationID: "listTickets", summary: "Support tickets in id order.",
                scope: .read, parameters: APIParameter.page + [customer, status(["open", "pending", "closed"])],
                responses: [200: APIRoute.json("A page of tickets.", "TicketPage")], handler: listTickets),
            APIRoute(
                method: .get, path: "/v1/tickets/{id}", operationID: "getTicket", summary: "One ticket.",
                scope: .read, parameters: [.recordID("ticket")],
                responses: [200: APIRoute.json("The ticket.", "Ticket")],
                handler: getTicket),
        ]
    }

    func customer(_ call: APICall) throws -> CustomerID? {
        try call.query["customer"].map { try api.customerID($0) }
    }

    func status<Status: RawRepresentable<String>>(_ call: APICall, _ type: Status.Type) throws(Problem) -> Status? {
        guard let text = call.query["status"] else { return nil }
        guard let status = Status(rawValue: text) else {
            throw Problem(.badRequest, "query parameter 'status': unknown status '\(text)'")
        }
        return status
    }

    func listOrders(_ request: Request, _ call: APICall) async throws -> Response {
        let (limit, after) = try call.page()
        let orders = try await api.store.orders(customer: try customer(call), after: after, limit: limit)
        return APIResponse.json(.ok, object: RecordJSON.page(orders.map(RecordJSON.order), limit: limit))
    }

    func getOrder(_ request: Request, _ call: APICall) async throws -> Response {
        guard let order = try await api.store.order(id: OrderID(try APIContext<S>.number(call.path("id"), "an order")))
        else {
            throw Problem(.notFound, "no order \(call.path("id"))")
        }
        return APIResponse.json(.ok, object: RecordJSON.order(order))
    }

    func listCarts(_ request: Request, _ call: APICall) async throws -> Response {
        let (limit, after) = try call.page()
        let carts = try await api.store.carts(
            customer: try customer(call), status: try status(call, CartStatus.self), after: after, limit: limit)
        return APIResponse.json(.ok, object: RecordJSON.page(carts.map(RecordJSON.cart), limit: limit))
    }

    func getCart(_ request: Request, _ call: APICall) async throws -> Response {
        guard let cart = try await api.store.cart(id: CartID(try APIContext<S>.number(call.path("id"), "a cart")))
        else {
            throw Problem(.notFound, "no cart \(call.path("id"))")
        }
        return APIResponse.json(.ok, object: RecordJSON.cart(cart))
    }

    func listTickets(_ request: Request, _ call: APICall) async throws -> Response {
        let (limit, after) = try call.page()
        let tickets = try await api.store.tickets(
            customer: try customer(call), status: try status(call, TicketStatus.self), after: after, limit: limit)
        return APIResponse.json(.ok, object: RecordJSON.page(tickets.map(RecordJSON.ticket), limit: limit))
    }

    func getTicket(_ request: Request, _ call: APICall) async throws -> Response {
        guard
            let ticket = try await api.store.ticket(id: TicketID(try APIContext<S>.number(call.path("id"), "a ticket")))
        else { throw Problem(.notFound, "no ticket \(call.path("id"))") }
        return APIResponse.json(.ok, object: RecordJSON.ticket(ticket))
    }
}
