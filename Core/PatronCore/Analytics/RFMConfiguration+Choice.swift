import Foundation

/// A scoring method by the name a user gives it (`--method`).
public enum RFMMethodName: String, CaseIterable, Sendable {
    case quantile, ntile, thresholds
}

/// A JSON document a user named (a file), with its name for errors.
public struct NamedJSON: Sendable {
    public var name: String
    public var data: Data
    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

extension RFMConfiguration {
    /// The configuration a user's choices make, checked: the method (by default quantile, or
    /// thresholds when threshold bounds are given), its bounds, the segment map (the standard
    /// one for 5 bins), and notes worth telling (a grid without segments).
    ///
    /// Thresholds without the thresholds method, or the method without them, are errors.
    public static func choose(
        bins: Int, method: RFMMethodName?, thresholds: NamedJSON?, map: NamedJSON?, currency: CurrencyCode?
    ) throws(PatronError) -> (configuration: RFMConfiguration, notes: [String]) {
        var segmentMap: RFMSegmentMap? = bins == 5 ? .standard : nil
        if let map { segmentMap = try RFMSegmentMap.parse(json: map.data, name: map.name) }
        let scoring: RFMMethod
        switch method ?? (thresholds == nil ? .quantile : .thresholds) {
        case .quantile, .ntile:
            if thresholds != nil { throw PatronError(.invalidArgument, "--thresholds goes with --method thresholds") }
            scoring = method == .ntile ? .ntile : .quantile
        case .thresholds:
            guard let thresholds else {
                throw PatronError(.invalidArgument, "--method thresholds needs --thresholds FILE")
            }
            scoring = .thresholds(
                try RFMThresholds.parse(json: thresholds.data, name: thresholds.name, currency: currency ?? .usd))
        }
        let configuration = try RFMConfiguration(bins: bins, method: scoring, segmentMap: segmentMap)
        let notes =
            segmentMap == nil
            ? ["the standard segment map is for 5 bins; segments are left empty (give --map FILE)"] : []
        return (configuration, notes)
    }
}

extension RFMReport {
    /// The segment of the report whose name matches `name` in any letter case; an unknown name
    /// is an error listing the report's segments.
    public func segment(matching name: String) throws(PatronError) -> String {
        guard let found = segments.map(\.name).first(where: { $0.lowercased() == name.lowercased() }) else {
            let names = segments.map(\.name).joined(separator: ", ")
            throw PatronError(.invalidArgument, "--segment: unknown segment '\(name)' (segments: \(names))")
        }
        return found
    }
}
