import Foundation

/// A campaign as the planner and reports see it; ``CampaignRecord`` is the kernel's conformance.
/// Flows, steps and the outbox arrive with the campaigns work; this is the shared shape.
public protocol Campaign: Sendable {
    var id: CampaignID { get }
    var name: String { get }
    var status: CampaignStatus { get }
}

/// Whether a campaign is sending.
public enum CampaignStatus: String, Hashable, Sendable, Codable {
    case draft, active, paused, archived
}

/// The kernel's campaign value.
public struct CampaignRecord: Campaign, Hashable, Codable {
    public var id: CampaignID
    public var name: String
    public var status: CampaignStatus
    public init(id: CampaignID, name: String, status: CampaignStatus) {
        self.id = id
        self.name = name
        self.status = status
    }
}
