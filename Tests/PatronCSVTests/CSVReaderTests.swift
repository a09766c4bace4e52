import Foundation
import PatronCSV
import PatronCore
import Testing

/// ../shared beside the repo (see PatronCoreTests' Shared).
enum Shared {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")

    static func path(_ relative: String) -> String? {
        let path = root.appendingPathComponent(relative).path
        if FileManager.default.fileExists(atPath: path) { return path }
        if ProcessInfo.processInfo.environment["PATRON_REQUIRE_SHARED"] == "1" {
            Issue.record("missing shared file \(path) (PATRON_REQUIRE_SHARED=1)")
        }
        return nil
    }

    /// The csv-spectrum cases (each has csvs/NAME.csv and json/NAME.json).
    static let spectrum = [
        "comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json", "location_coordinates", "newlines",
        "newlines_crlf", "quotes_and_newlines", "simple", "simple_crlf", "utf8",
    ]
}

/// Reads every record of a file.
func readAll(_ path: String, _ options: CSVOptions = CSVOptions(), chunkSize: Int? = nil) throws -> (
    header: [String], rows: [[String]]
) {
    let reader = try CSVReader(path: path, options: options, chunkSize: chunkSize)
    var rows: [[String]] = []
    while let row = try reader.next() { rows.append(row) }
    return (reader.header, rows)
}

func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite struct CSVReaderTests {
    init() { TestChannels.register() }

    @Test(arguments: Shared.spectrum)
    func everyCSVSpectrumFileParsesToItsExpectedJSON(name: String) throws {
        guard let csv = Shared.path("fixtures/csv/messy/csv-spectrum/csvs/\(name).csv"),
            let json = Shared.path("fixtures/csv/messy/csv-spectrum/json/\(name).json")
        else { return }
        // One file holds a single object rather than an array.
        let parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
        var expected = try #require((parsed as? [[String: String]]) ?? (parsed as? [String: String]).map { [$0] })
        // newlines_crlf.csv is stored here with LF line ends while its JSON keeps the original
        // CRLF: compare line breaks as the CSV file actually has them.
        if !(try Data(contentsOf: URL(fileURLWithPath: csv))).contains(13) {
            expected = expected.map { $0.mapValues { $0.replacingOccurrences(of: "\r\n", with: "\n") } }
        }
        // And the same at a chunk size that splits every quote, line end and character.
        // location_coordinates' JSON carries another (redacted) phone number than its CSV.
        let redacted = name == "location_coordinates" ? "Contact Phone Number" : nil
        if let redacted { expected = expected.map { $0.filter { $0.key != redacted } } }
        for chunk in [nil, 1, 3, 7] as [Int?] {
            let (header, rows) = try readAll(csv, chunkSize: chunk)
            let objects = rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)).filter { $0.key != redacted } }
            #expect(objects == expected, "chunk \(chunk.map(String.init) ?? "default")")
        }
    }

    /// What each csvkit "messy" fixture must give: the header and rows, or an error's text.
    static let csvkit: [(file: String, header: [String], rows: [[String]], error: String?)] = [
        ("blanks.csv", ["a", "b", "c", "d", "e", "f"], [["", "NA", "N/A", "NONE", "NULL", "."]], nil),
        ("mac_newlines.csv", ["a", "b", "c"], [["1", "2", "3"], ["Once upon\ra time", "5", "6"]], nil),
        (
            "test_header_newline.csv",
            ["\t\n\u{0B}\u{0C}\r start \t\n\u{0B}\u{0C}\r end \t\n\u{0B}\u{0C}\r", "b", "c"],
            [["d", "e", "f"]], nil
        ),
        ("test_latin1.csv", ["a", "b", "c"], [["1", "2", "3"], ["4", "5", "©"]], nil),
        ("test_locale.csv", ["a", "b", "c"], [["1,7", "200.000.000", ""]], nil),
        ("test_no_leading_zeroes.csv", ["a", "b", "c"], [["01", "00.11", "0.1"]], nil),
        ("test_skip_lines.csv", ["a", "b", "c"], [["1", "2", "3"]], nil),
        ("test_utf16_big.csv", ["a", "b", "c"], [["1", "2", "3"], ["4", "5", "ʤ"]], nil),
        ("test_utf16_little.csv", ["a", "b", "c"], [["1", "2", "3"], ["4", "5", "ʤ"]], nil),
        ("test_utf8.csv", ["foo", "bar", "baz"], [["1", "2", "3"], ["4", "5", "ʤ"]], nil),
        ("test_utf8_bom.csv", ["foo", "bar", "baz"], [["1", "2", "3"], ["4", "5", "ʤ"]], nil),
        (
            "bad.csv", [], [],
            "bad.csv:2: field 'column 7': 4 fields where the header has 3 (column_a, column_b, column_c)"
        ),
        ("null_byte.csv", [], [], "null_byte.csv:2: field 'column 1': NUL byte"),
        ("test_empty_columns_long_row.csv", [], [], "test_empty_columns_long_row.csv:2: field 'column 4': 4 fields"),
        (
            "test_empty_columns_short_row.csv", [], [],
            "test_empty_columns_short_row.csv:2: 2 fields where the header has 3"
        ),
    ]

    @Test(arguments: csvkit.indices)
    func everyCSVKitFixtureParsesOrIsRejectedWithItsLine(index: Int) throws {
        let case_ = Self.csvkit[index]
        guard let path = Shared.path("fixtures/csv/messy/csvkit/\(case_.file)") else { return }
        if let message = case_.error {
            do {
                _ = try readAll(path)
                Issue.record("\(case_.file) parsed; expected \(message)")
            } catch let error as PatronError {
                let text = error.description.replacingOccurrences(of: path, with: case_.file)
                #expect(text.hasPrefix(message), "\(text)")
            }
            return
        }
        for chunk in [nil, 2, 5] as [Int?] {
            let (header, rows) = try readAll(path, chunkSize: chunk)
            #expect(header == case_.header, "\(case_.file)")
            #expect(rows == case_.rows, "\(case_.file)")
        }
    }

    @Test func semicolonsAreSniffedEvenWithCommasInTheHeader() throws {
        guard let path = Shared.path("fixtures/csv/prestashop/customers_import.csv") else { return }
        let (header, rows) = try readAll(path)
        #expect(header.count == 13 && header[2] == "Titles ID (Mr = 1, Ms = 2, else 0)")
        #expect(rows.first?[3] == "Peter.Pan@prestashop.com")
        #expect(rows.allSatisfy { $0.count == 13 })
    }

    @Test func tabsWindows1252AndAnUnterminatedQuote() throws {
        let tabs = try temporaryFile(Array("id\tname\n1\t\"Zoë\"\n".utf8))
        #expect(try readAll(tabs).rows == [["1", "Zoë"]])
        // 0x80 is € in Windows-1252; a guess from invalid UTF-8.
        let euro = try temporaryFile([0x61, 0x0A, 0x80, 0x35, 0x0A])
        #expect(try readAll(euro).rows == [["€5"]])
        #expect(try readAll(euro, CSVOptions(encoding: .latin1)).rows == [["\u{80}5"]])
        let open = try temporaryFile(Array("a,b\n1,\"never\nclosed\n".utf8))
        #expect {
            _ = try readAll(open)
        } throws: { error in
            (error as? PatronError)?.description.hasSuffix(
                ":2: field 'column 3': unterminated quoted field (the quote opens here)")
                == true
        }
        // UTF-8 was promised but a later byte is not: the line is named.
        let mixed = try temporaryFile(Array("a\nok\n".utf8) + [0xE9, 0x0A])
        #expect {
            _ = try readAll(mixed, CSVOptions(encoding: .utf8))
        } throws: { error in
            (error as? PatronError)?.description.contains(":3: field 'column 1': not valid UTF-8") == true
        }
    }
}
