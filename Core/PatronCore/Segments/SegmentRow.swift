import Foundation

/// One segment member as a back end holds it, read field by field without copying — what
/// `segment export` streams a million times. Field indexes are positions in the exported field
/// list.
///
/// Integers carry counts, amounts (minor units) and instants (epoch seconds); text carries
/// strings and enumerations as UTF-8; a `stringList` field is its items joined by U+001F (the
/// unit separator), which is how the stores keep tags.
public protocol SegmentRow {
    /// The member's id in the store.
    var id: CustomerID { get }
    /// Calls `body` with the customer's report key (its primary ref, else `patron:N`) as UTF-8.
    func withKey<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
    /// Whether field `index` has no value.
    func isNull(_ index: Int) -> Bool
    /// Field `index` as an integer (only for integer, money and instant fields that are not null).
    func integer(_ index: Int) -> Int64
    /// Calls `body` with field `index` as UTF-8 (only for text fields that are not null).
    func withText<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
}

/// The separator of list items in a ``SegmentRow``'s text.
let segmentListSeparator: UInt8 = 0x1F

extension SegmentRow {
    /// The report key as a string.
    public var key: String { withKey { String(decoding: $0, as: UTF8.self) } }

    /// Every field as a ``SegmentValue`` (for the JSON formats, where rows are fewer and richer).
    public func values(_ fields: [SegmentField]) -> [SegmentValue?] {
        fields.indices.map { index in
            if isNull(index) { return nil }
            switch fields[index].type {
            case .integer, .money, .instant, .decimal: return .integer(integer(index))
            case .string, .enumeration: return .text(withText(index) { String(decoding: $0, as: UTF8.self) })
            case .stringList:
                return .list(
                    withText(index) { bytes in
                        bytes.split(separator: segmentListSeparator).map { String(decoding: $0, as: UTF8.self) }
                    })
            }
        }
    }
}

/// A ``SegmentRow`` over values already in memory (the in-memory back end, tests).
public struct SegmentValuesRow: SegmentRow {
    public var id: CustomerID
    public var reportKey: String
    public var fieldValues: [SegmentValue?]

    public init(id: CustomerID = CustomerID(0), key: String, values: [SegmentValue?]) {
        self.id = id
        reportKey = key
        fieldValues = values
    }

    public func withKey<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var key = reportKey
        return try key.withUTF8(body)
    }

    public func isNull(_ index: Int) -> Bool { fieldValues[index] == nil }

    public func integer(_ index: Int) -> Int64 {
        if case .integer(let value)? = fieldValues[index] { return value }
        return 0
    }

    public func withText<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var text: String
        switch fieldValues[index] {
        case .text(let value)?: text = value
        case .list(let items)?: text = items.joined(separator: "\u{1F}")
        case .integer(let value)?: text = String(value)
        case nil: text = ""
        }
        return try text.withUTF8(body)
    }
}
