import Foundation

/// Everything the apps ask of a store: the protocols a store composes to run `patron`,
/// `patron-api` and `patron-scheduler`. The apps hold a store only as this (or a part of it);
/// `StoreFactory` opens one. `InMemoryStore` and the SQLite store implement all of it, and
/// `StoreConformance` in `PatronTestKit` proves a new store keeps the rules each part names.
public typealias PatronStore = Store & RecordPages & SegmentQueries & SegmentRepository & AuditLog
    & DeliveryLedger & APIKeyStore & FlowRegistry & CampaignStore & CampaignReports & CampaignUpkeep
    & ScratchCopying & StoreVitals

/// A copy of the whole store that nothing else sees, for dry runs (`patron campaigns simulate`).
///
/// An implementer keeps: the copy holds everything the original does at the moment of the
/// call, writes to either are not seen by the other, and ``discardScratchCopy()`` on the copy
/// frees what it holds (a file, a schema); the original is never touched.
public protocol ScratchCopying: Sendable {
    /// A consistent copy of the store, open for writing.
    func scratchCopy() async throws -> Self
    /// Frees the copy's storage; the copy must not be used after.
    func discardScratchCopy() async throws
}

/// Webhook deliveries of topics Patron does not act on, counted per topic so an operator sees
/// what a shop sends.
///
/// An implementer keeps: a delivery id is counted once, however often it is recorded.
public protocol DeliveryLedger: Sendable {
    /// Records a delivery of a topic Patron does not act on (once per delivery id).
    func recordIgnoredDelivery(_ deliveryID: String, topic: String, at: Int64) async throws
    /// Ignored deliveries per topic, by topic.
    func ignoredDeliveries() async throws -> [IgnoredTopic]
}

/// How many deliveries of one topic were ignored.
public struct IgnoredTopic: Hashable, Sendable {
    public var topic: String
    public var count: Int

    public init(topic: String, count: Int) {
        self.topic = topic
        self.count = count
    }
}
