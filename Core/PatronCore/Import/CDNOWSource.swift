import Foundation

/// The CDNOW purchase file of the RFM/CLV literature as a source of orders.
///
/// The master file has the header `customer_id date number_of_cds dollar_value` and one purchase
/// per row, whitespace-separated, dates `YYYYMMDD`, dollars. Each row becomes one `order.placed`
/// event in USD; the customer's ref is its number without leading zeros. The 1/10 sample (no
/// header: master id, sample id, date, cds, dollars) is read too.
///
/// Rows carry no order id, so the order's ref is `customer-date-n`, the n-th purchase of that
/// customer on that date in the file: stable for the same file, so re-importing changes nothing.
public struct CDNOWSource: SourceConnector {
    public let source = "cdnow"
    public let path: String

    public init(path: String) { self.path = path }

    public func events() -> AsyncThrowingStream<IngestEvent, any Error> {
        let path = path
        return .reading({ try CDNOWReader(path: path) }, next: { try $0.next() })
    }
}

/// Synchronous reader behind ``CDNOWSource``, for callers that stream into an ``Ingestor``.
public final class CDNOWReader {
    static let header = ["customer_id", "date", "number_of_cds", "dollar_value"]
    private let lines: LineReader
    private var layout: Layout?
    private var pending: Substring?
    private var seen: [String: Int] = [:]

    enum Layout { case master, sample }

    public init(path: String) throws(PatronError) {
        lines = try LineReader(path: path)
    }

    /// Bytes read so far.
    public var bytesRead: Int64 { lines.bytesRead }

    public func next() throws(PatronError) -> IngestEvent? {
        if layout == nil { try detectLayout() }
        while true {
            let line: Substring
            if let held = pending.take() {
                line = held
            } else if let read = try lines.next() {
                line = read
            } else {
                return nil
            }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            return try event(fields, line: lines.lineNumber)
        }
    }

    private func detectLayout() throws(PatronError) {
        while let line = try lines.next() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            let names = fields.map { $0.lowercased() }
            if names == Self.header {
                layout = .master
            } else if fields.count == 5, fields.allSatisfy({ $0.allSatisfy { $0.isNumber || $0 == "." } }) {
                layout = .sample
                pending = line
            } else {
                throw PatronError(
                    .malformedInput,
                    "not a CDNOW file: expected the header 'customer_id date number_of_cds dollar_value', found '\(fields.joined(separator: " "))'",
                    at: InputLocation(file: lines.name, line: lines.lineNumber))
            }
            return
        }
        throw PatronError(.malformedInput, "empty file: no purchases", at: InputLocation(file: lines.name))
    }

    private func event(_ fields: [Substring], line: Int) throws(PatronError) -> IngestEvent {
        let names =
            layout == .sample ? ["customer_id", "sample_id", "date", "number_of_cds", "dollar_value"] : Self.header
        let location = InputLocation(file: lines.name, line: line)
        guard fields.count == names.count else {
            throw PatronError(
                .malformedInput,
                "expected \(names.count) columns (\(names.joined(separator: " "))), found \(fields.count)",
                at: location)
        }
        let offset = layout == .sample ? 1 : 0
        let rawID = fields[0]
        guard let number = Int(rawID), number >= 0 else {
            throw PatronError(
                .invalidValue, "customer id '\(rawID)' is not a number", at: location.with(field: "customer_id"))
        }
        let dateText = fields[1 + offset]
        guard dateText.count == 8,
            let day = Day(
                iso: "\(dateText.prefix(4))-\(dateText.dropFirst(4).prefix(2))-\(dateText.suffix(2))")
        else {
            throw PatronError(
                .invalidValue, "unparseable date '\(dateText)' (expected YYYYMMDD)", at: location.with(field: "date"))
        }
        guard let cds = Int(fields[2 + offset]), cds >= 0 else {
            throw PatronError(
                .invalidValue, "'\(fields[2 + offset])' is not a non-negative count",
                at: location.with(field: "number_of_cds"))
        }
        let dollars: Int64
        do {
            dollars = try Money.parseMinorUnits(fields[3 + offset], digits: 2)
        } catch {
            throw PatronError(.invalidValue, "\(error)", at: location.with(field: "dollar_value"))
        }
        guard dollars >= 0 else {
            throw PatronError(.invalidValue, "negative amount", at: location.with(field: "dollar_value"))
        }
        let customer = String(number)
        let key = "\(customer)-\(dateText)"
        let n = (seen[key] ?? 0) + 1
        seen[key] = n
        let ref = "\(key)-\(n)"
        let order = OrderData(
            ref: ref, customer: CustomerIdentity(refs: [ExternalRef(source: "cdnow", id: customer)]),
            placedAt: day.epochSeconds, currency: .usd, totalMinor: dollars,
            lines: [OrderLine(sku: "CD", quantity: cds, unitPriceMinor: cds == 0 ? 0 : dollars / Int64(cds))])
        return IngestEvent(
            id: "cdnow:order:\(ref)", source: "cdnow", occurredAt: day.epochSeconds, kind: .orderPlaced(order),
            origin: location)
    }
}

extension Optional {
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
