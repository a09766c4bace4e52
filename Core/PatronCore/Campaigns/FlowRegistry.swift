import Foundation

/// A flow as the store keeps it: the flow file's text and whether it runs.
public struct StoredFlow: Hashable, Sendable {
    public var id: String
    public var name: String
    public var source: String
    public var path: String?
    public var status: CampaignStatus
    /// When the flow was last activated: firings count from then.
    public var activatedAt: Int64?
    public var updatedAt: Int64

    public init(
        id: String, name: String, source: String, path: String?, status: CampaignStatus, activatedAt: Int64?,
        updatedAt: Int64
    ) {
        self.id = id
        self.name = name
        self.source = source
        self.path = path
        self.status = status
        self.activatedAt = activatedAt
        self.updatedAt = updatedAt
    }
}

/// The stored flows: their files and statuses.
///
/// An implementer keeps: a new flow starts as a draft and a saved one keeps its status; a
/// changed file ends the flow's runs in progress (their place is a step of the old file) and
/// says how many; activating records when, unless the flow was active already; flows are
/// listed by id.
public protocol FlowRegistry: Sendable {
    /// Stores the flow's file; returns how many runs in progress the change ended.
    @discardableResult
    func saveFlow(id: String, name: String, source: String, path: String?, at: Int64) async throws -> Int
    /// Sets the flow's status; `false` when there is no such flow.
    func setFlowStatus(_ id: String, _ status: CampaignStatus, at: Int64) async throws -> Bool
    /// Every stored flow, by id.
    func flows() async throws -> [StoredFlow]
    /// Marks every active flow, and those named, active from `at` (a replay on a scratch copy
    /// starts there).
    func activateForReplay(_ ids: [String], at: Int64) async throws
}
