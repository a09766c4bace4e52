import Foundation

/// What an integrator implements to bring a new source (a shop platform, a file format, a
/// mailbox) into Patron: something that yields ``IngestEvent``s.
///
/// The contract, checked by `PatronTestKit`'s `SourceConnectorConformance`:
/// - event ids are stable: reading the same input again yields the same ids and the same events;
/// - ids are unique within one read, so a replay into a store applies nothing new;
/// - every event passes ``IngestEvent/validate()``;
/// - failures are ``PatronError``s that name the input and the place.
public protocol SourceConnector: Sendable {
    /// The source name the events' refs belong to (`"shopify"`, `"cdnow"`).
    var source: String { get }
    /// Reads the input once, yielding its events in order.
    func events() -> AsyncThrowingStream<IngestEvent, any Error>
}

extension SourceConnector {
    /// Reads every event into an array (for small inputs and tests).
    public func collect() async throws -> [IngestEvent] {
        var result: [IngestEvent] = []
        for try await event in events() { result.append(event) }
        return result
    }
}

extension AsyncThrowingStream where Element == IngestEvent, Failure == any Error {
    /// A stream over a synchronous reader: `open` makes the reader, `next` yields its events
    /// until `nil`. Errors from either end the stream.
    public static func reading<Reader>(
        _ open: @escaping @Sendable () throws -> Reader, next: @escaping @Sendable (Reader) throws -> IngestEvent?
    ) -> AsyncThrowingStream<IngestEvent, any Error> {
        AsyncThrowingStream { continuation in
            do {
                let reader = try open()
                while let event = try next(reader) { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }
}
