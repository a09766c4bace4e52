import Foundation

/// The kernel's own source: an NDJSON events file (see ``NDJSONCodec``).
public struct NDJSONSource: SourceConnector {
    /// NDJSON events name their own sources; this is only the connector's label.
    public let source = "ndjson"
    public let path: String

    public init(path: String) { self.path = path }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let path = path
        return AsyncThrowingStream { continuation in
            do {
                let reader = try NDJSONEventReader(path: path)
                while let event = try reader.next() { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }
}
