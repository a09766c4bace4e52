import PatronCore

/// Proves that a ``ChannelConnector`` keeps the contract, against a real endpoint (a stub
/// gateway on loopback, a test mailbox):
/// - a message to `reachable` returns a receipt with a non-empty provider id, and two different
///   messages get different ids;
/// - a message to `unreachable` fails with ``ChannelError/Code/invalidRecipient``.
public enum ChannelConnectorConformance {
    public static func check(
        _ connector: some ChannelConnector, reachable: String, unreachable: String
    ) async throws {
        let customer = CustomerID(1)
        let first = try await connector.send(
            OutboundMessage(
                idempotencyKey: "conformance-1", customerID: customer, recipient: reachable, subject: "Hello",
                body: "First"))
        guard !first.providerMessageID.isEmpty else {
            throw ConformanceFailure(rule: "receipts", detail: "empty provider message id")
        }
        let second = try await connector.send(
            OutboundMessage(
                idempotencyKey: "conformance-2", customerID: customer, recipient: reachable, subject: "Hello",
                body: "Second"))
        guard second.providerMessageID != first.providerMessageID else {
            throw ConformanceFailure(rule: "receipts", detail: "two messages got the same provider id")
        }
        do {
            _ = try await connector.send(
                OutboundMessage(
                    idempotencyKey: "conformance-3", customerID: customer, recipient: unreachable, body: "Nope"))
            throw ConformanceFailure(rule: "invalid recipients", detail: "sending to '\(unreachable)' succeeded")
        } catch let error as ChannelError {
            guard error.code == .invalidRecipient else {
                throw ConformanceFailure(
                    rule: "invalid recipients", detail: "expected invalid-recipient, got \(error.code)")
            }
        }
    }
}
