import Foundation

/// Turns a flow's template and a customer's values into the text that is sent. The kernel names
/// the contract; `PatronFlows` renders Mustache.
public protocol MessageRendering: Sendable {
    /// Renders subject and body with `values` (`customer`, `shop`, and the flow's scope:
    /// `cart`, `order` or `product`, each a ``TemplateValue/object(_:)``).
    func render(_ template: FlowTemplate, values: [String: TemplateValue]) throws -> RenderedMessage
}

/// A template filled in for one customer.
public struct RenderedMessage: Hashable, Sendable {
    public var subject: String?
    public var body: String
    public init(subject: String?, body: String) {
        self.subject = subject
        self.body = body
    }
}
