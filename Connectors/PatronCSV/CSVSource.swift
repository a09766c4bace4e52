import Foundation
import PatronCore

/// A CSV file as a ``SourceConnector``: the worked example of a connector. It reads the file once
/// and yields the events of one ``CSVImportFormat``; rows refused for a bad value are reported to
/// `onReject` and left out, structural errors (a ragged row, a NUL byte) end the stream with a
/// located ``PatronError``.
public struct CSVSource: SourceConnector {
    public let path: String
    public let format: CSVImportFormat
    public let options: CSVOptions
    public let settings: CSVImportSettings

    public var source: String { format.source }

    public init(
        path: String, format: CSVImportFormat, options: CSVOptions = CSVOptions(),
        settings: CSVImportSettings = CSVImportSettings(currency: nil)
    ) {
        self.path = path
        self.format = format
        self.options = options
        self.settings = settings
    }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let (path, format, options, settings) = (path, format, options, settings)
        return .reading(
            {
                try CSVImporter(reader: try CSVReader(path: path, options: options), format: format, settings: settings)
            },
            next: { try $0.next() })
    }
}
