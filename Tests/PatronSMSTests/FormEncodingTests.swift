import Foundation
import PatronSMS
import Testing

@Suite struct FormEncodingTests {
    @Test func encodesTheWayTwilioDoes() {
        let fields: FormFields = [
            "To": "+14155552345", "Body": "Hello! 👍 50% off & more", "StatusCallback": "https://example.com/cb?x=1",
        ]
        #expect(
            fields.encoded
                == "To=%2B14155552345&Body=Hello%21+%F0%9F%91%8D+50%25+off+%26+more"
                + "&StatusCallback=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1")
        #expect(FormEncoding.escape("a-b_c.d~e") == "a-b_c.d~e")
        #expect(FormEncoding.escape("é=€") == "%C3%A9%3D%E2%82%AC")
    }

    @Test func decodesPlusPercentAndRepeatedNamesInOrder() throws {
        let fields = try FormEncoding.decode("a=1&b=x+y&b=%2B1&c&&d=%E2%82%ac&=empty&e=")
        #expect(
            fields.fields.map { "\($0.name)=\($0.value)" } == ["a=1", "b=x y", "b=+1", "c=", "d=€", "=empty", "e="])
        #expect(fields["b"] == "x y")
        #expect(fields.values(for: "b") == ["x y", "+1"])
        #expect(fields["missing"] == nil)
        #expect(try FormEncoding.decode("").count == 0)
        #expect(try FormEncoding.decode(bytes: Array("k=v%20w".utf8))["k"] == "v w")
    }

    @Test(arguments: Fixtures.twilioFiles("oai_example_ListMessage_"))
    func twilioQueriesRoundTrip(file: String) throws {
        // Twilio's own page URIs: decoding then re-encoding must give back the same bytes.
        guard let object = Fixtures.object("twilio/\(file)") else { return }
        for key in ["uri", "first_page_uri", "next_page_uri"] {
            guard let uri = object[key] as? String else { continue }
            let query = String(uri[uri.index(after: try #require(uri.firstIndex(of: "?")))...])
            let fields = try FormEncoding.decode(query)
            #expect(fields["To"] == "+123456789")
            #expect(fields.encoded == query)
        }
    }

    @Test func sentDateFiltersDecodeToTheirText() throws {
        let query = "DateSent%3E=06%2F11%2F2019+22%3A05%3A25+MST&DateSent%3E=Wed%2C+19+Jun+2019+22%3A04%3A00+-0000"
        #expect(
            try FormEncoding.decode(query).values(for: "DateSent>")
                == ["06/11/2019 22:05:25 MST", "Wed, 19 Jun 2019 22:04:00 -0000"])
    }

    @Test func statusCallbackFixtureRoundTrips() throws {
        guard let fields = StatusCallbackFixture.fields else { return }
        let body = fields.encoded
        #expect(body.hasPrefix("AccountSid=ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx&From=%2B15017250604&MessageSid=SM1342"))
        #expect(try FormEncoding.decode(body) == fields)
    }

    @Test func brokenBodiesSayWhere() {
        for (body, offset, name, problem) in [
            ("a=1&b=%2", 6, "b", "percent escape"), ("a=1&%ZZ=1", 4, nil, "percent escape"),
            ("a=%FF", 2, "a", "not UTF-8"),
        ] as [(String, Int, String?, String)] {
            #expect {
                try FormEncoding.decode(body)
            } throws: { error in
                guard let error = error as? FormEncodingError else { return false }
                return error.offset == offset && error.name == name && error.problem.contains(problem)
            }
        }
        let error = FormEncodingError(offset: 6, field: 1, name: "b", problem: "'%2' is not a percent escape")
        #expect(error.description == "form body: byte 6, value of 'b': '%2' is not a percent escape")
    }
}

/// The Twilio docs' example 'sent' callback, as the fields of a form body.
enum StatusCallbackFixture {
    static var fields: FormFields? {
        guard let object = Fixtures.object("twilio/status_callback_sent.twilio-docs-example.json") else { return nil }
        return FormFields(
            object.keys.filter { $0 != "_source" }.sorted().map { FormFields.Field(name: $0, value: "\(object[$0]!)") })
    }
}
