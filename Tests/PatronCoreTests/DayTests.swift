import Foundation
import PatronCore
import Testing

@Suite struct DayTests {
    init() { TestChannels.register() }

    @Test(arguments: ["1970-01-01", "1997-01-01", "1998-06-30", "2000-02-29", "2024-12-31", "1969-12-31", "2100-03-01"])
    func roundTrips(text: String) throws {
        let day = try #require(Day(iso: text))
        #expect(day.description == text)
    }

    @Test func countsDaysFromTheEpoch() {
        #expect(Day(iso: "1970-01-02")?.rawValue == 1)
        #expect(Day(iso: "1969-12-31")?.rawValue == -1)
        #expect(Day(iso: "1998-07-01")! - Day(iso: "1997-01-01")! == 546)
    }

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-00-10", "24-01-01", "2024-1-1", "yesterday", ""])
    func rejectsInvalidDates(text: String) {
        #expect(Day(iso: text) == nil)
    }

    @Test func readsRFC3339InUTC() {
        #expect(Timestamp.parse("2024-03-01T10:00:00Z") == Day(iso: "2024-03-01")!.epochSeconds + 36_000)
        #expect(Timestamp.parse("2024-03-01T10:00:00+02:00") == Day(iso: "2024-03-01")!.epochSeconds + 28_800)
        #expect(Timestamp.parse("2024-03-01T10:00:00.123-0130") == Day(iso: "2024-03-01")!.epochSeconds + 41_400)
        #expect(Timestamp.parse("2024-03-01") == Day(iso: "2024-03-01")!.epochSeconds)
        #expect(Timestamp.parse("2024-03-01T25:00:00Z") == nil)
        #expect(Timestamp.parse("March 1st") == nil)
        #expect(Timestamp.format(Day(iso: "2024-03-01")!.epochSeconds + 3_661) == "2024-03-01T01:01:01Z")
    }

    /// Every day of eight centuries reads back from its text (the bytes' fast path), as a
    /// substring too, and so does an instant on it.
    @Test func everyDayOfEightCenturiesReadsBackFromItsText() throws {
        var day = try #require(Day(iso: "1600-01-01"))
        let end = try #require(Day(iso: "2400-12-31"))
        var wrong: [String] = []
        while day <= end {
            let text = day.description
            let line = "at=\(text)T12:34:56Z;"
            let instant = line.dropFirst(3).dropLast()
            if Day(iso: text) != day || Day(iso: instant.prefix(10)) != day
                || Timestamp.parse(String(instant)) != day.epochSeconds + 45_296
            {
                wrong.append(text)
            }
            day = Day(rawValue: day.rawValue + 1)
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test(arguments: ["2024-02-30", "2024-03-0x", "2024/03/01", "2024-03-01 ", "２０２４-03-01", "2024-03-01T10:00:00Zx"])
    func nearMissesAreNoDay(text: String) {
        #expect(Day(iso: text) == nil)
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func placesNegativeInstantsOnTheRightDay() {
        #expect(Day(epochSeconds: -1).description == "1969-12-31")
        #expect(Day(epochSeconds: 86_399).description == "1970-01-01")
    }
}

@Suite struct CSVBufferTests {
    init() { TestChannels.register() }

    @Test(arguments: [Int64(0), 59, 86_399, 951_782_400, 1_782_863_999, -1, -86_401, 253_402_300_799, 253_402_300_800])
    func timestampsAreWrittenAsTimestampFormatsThem(seconds: Int64) {
        var csv = CSVBuffer()
        csv.timestamp(seconds)
        #expect(String(decoding: csv.bytes, as: UTF8.self) == Timestamp.format(seconds))
    }

    @Test func textFieldsAreQuotedOnlyWhenNeededAndListsJoined() {
        var csv = CSVBuffer()
        for text in ["plain", "a,b", #"say "hi""#, "line\nbreak", "crème"] { csv.field(text) }
        csv.endRow()
        let tags = Array("vip\u{1F}b,2b".utf8)
        tags.withUnsafeBufferPointer { csv.field(utf8: $0, replacing: 0x1F, with: UInt8(ascii: "|")) }
        csv.endRow()
        #expect(
            String(decoding: csv.bytes, as: UTF8.self)
                == "plain,\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",crème\n\"vip|b,2b\"\n")
    }
}
