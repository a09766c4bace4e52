import Foundation

/// The kernel's own source: an NDJSON events file (see ``NDJSONCodec``).
public struct NDJSONSource: SourceConnector {
    /// NDJSON events name their own sources; this is only the connector's label.
    public let source = "ndjson"
    public let path: String

    public init(path: String) { self.path = path }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let path = path
        return .reading({ try NDJSONEventReader(path: path) }, next: { try $0.next() })
    }
}
