/// Durations as flow files write them: one or more `<whole number><unit>`, units `s`, `m`, `h`,
/// `d`, `w` (`90m`, `4h`, `1d12h`).
enum FlowDuration {
    static let unitSeconds: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]

    /// The seconds `text` stands for, or `nil` when it is not a duration (or too long to count).
    static func seconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times, overflow1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(digit))
                guard !overflow1, !overflow2 else { return nil }
                number = sum
            } else if let unit = unitSeconds[character], let value = number {
                let (seconds, overflow1) = value.multipliedReportingOverflow(by: unit)
                let (sum, overflow2) = total.addingReportingOverflow(seconds)
                guard !overflow1, !overflow2 else { return nil }
                total = sum
                number = nil
            } else {
                return nil
            }
        }
        guard number == nil, !text.isEmpty else { return nil }
        return total
    }
}
