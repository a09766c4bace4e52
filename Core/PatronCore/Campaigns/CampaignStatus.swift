import Foundation

/// Whether a flow is sending: a stored flow starts as a draft, runs while active, holds its runs
/// where they are while paused.
public enum CampaignStatus: String, Hashable, Sendable, Codable {
    case draft, active, paused, archived
}
