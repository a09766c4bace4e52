import Foundation
import PatronCore
import Testing

/// Choosing RFM's method and map is the kernel's rule, whatever app asks.
@Suite struct RFMChoiceTests {
    init() { TestChannels.register() }

    @Test func theMethodFollowsFromWhatIsGiven() throws {
        let standard = try RFMConfiguration.choose(bins: 5, method: nil, thresholds: nil, map: nil, currency: .usd)
        #expect(standard.configuration.method == .quantile && standard.notes.isEmpty)
        let ntile = try RFMConfiguration.choose(bins: 5, method: .ntile, thresholds: nil, map: nil, currency: .usd)
        #expect(ntile.configuration.method == .ntile)
        let bounds = NamedJSON(
            name: "t.json",
            data: Data(#"{"recency_days":[30,90,180,365],"frequency":[2,3,5,8],"monetary":[50,100,250,500]}"#.utf8))
        let implied = try RFMConfiguration.choose(bins: 5, method: nil, thresholds: bounds, map: nil, currency: .usd)
        guard case .thresholds = implied.configuration.method else {
            Issue.record("bounds alone choose the thresholds method")
            return
        }
        #expect(throws: PatronError.self) {
            try RFMConfiguration.choose(bins: 5, method: .quantile, thresholds: bounds, map: nil, currency: .usd)
        }
        #expect(throws: PatronError.self) {
            try RFMConfiguration.choose(bins: 5, method: .thresholds, thresholds: nil, map: nil, currency: .usd)
        }
        let four = try RFMConfiguration.choose(bins: 4, method: nil, thresholds: nil, map: nil, currency: .usd)
        #expect(four.notes == ["the standard segment map is for 5 bins; segments are left empty (give --map FILE)"])
    }
}
