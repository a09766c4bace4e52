import Foundation
import PatronSMS
import Testing

@Suite struct PhoneNumberTests {
    @Test(arguments: [
        ("+442079460958", "+442079460958"),
        ("+44 20 7946 0958", "+442079460958"),
        ("(+1) 415-555-0100", "+14155550100"),
        ("+1 (415) 555.0100", "+14155550100"),
        ("0044 20 7946 0958", "+442079460958"),
        ("0044 (0)20 7946 0958", "+442079460958"),
        ("+44 (0) 20 7946 0958", "+442079460958"),
        ("0011 61 2 9876 5432", "+61298765432"),
        ("  tel:+33-1-23-45-67-89 ", "+33123456789"),
        ("+49\u{00A0}30\u{00A0}901820", "+4930901820"),
        ("+8613812345678", "+8613812345678"),
    ])
    func normalisesHumanFormats(input: String, expected: String) throws {
        #expect(try PhoneNumber(normalizing: input).e164 == expected)
    }

    @Test(arguments: [
        ("", PhoneNumberError.Reason.empty),
        ("   ", .empty),
        ("020 7946 0958", .nationalFormat),
        ("(415) 555-0100", .noInternationalPrefix),
        ("4155550100", .noInternationalPrefix),
        ("+1 415 CALL NOW", .invalidCharacter("C")),
        ("+44 20 7946 0958 ext. 12", .invalidCharacter("e")),
        ("44+2079460958", .misplacedPlus),
        ("++442079460958", .misplacedPlus),
        ("+0442079460958", .countryCodeStartsWithZero),
        ("000442079460958", .countryCodeStartsWithZero),
        ("+1234567", .tooShort(7)),
        ("+1234567890123456", .tooLong(16)),
    ])
    func refusesWhatIsNotInternational(input: String, reason: PhoneNumberError.Reason) {
        #expect {
            try PhoneNumber(normalizing: input)
        } throws: { error in
            guard let error = error as? PhoneNumberError else { return false }
            return error.reason == reason && error.input == input
        }
    }

    @Test func strictE164() throws {
        #expect(PhoneNumber.isValidE164("+14155552345"))
        #expect(PhoneNumber.isValidE164("+12345678"))
        #expect(PhoneNumber.isValidE164("+123456789012345"))
        for text in [
            "14155552345", "+1 415 555 2345", "+1234567", "+1234567890123456", "+0123456789", "", "+", "+１２３４５６７８９",
        ] {
            #expect(!PhoneNumber.isValidE164(text), "\(text)")
        }
    }

    @Test func strictRefusalSuggestsTheE164Form() {
        #expect {
            try PhoneNumber(e164: "0044 20 7946 0958")
        } throws: { ($0 as? PhoneNumberError)?.reason == .notE164Form(suggestion: "+442079460958") }
        #expect {
            try PhoneNumber(e164: "020 7946 0958")
        } throws: { ($0 as? PhoneNumberError)?.reason == .nationalFormat }
    }

    @Test func errorsSayWhatToDo() {
        let error = PhoneNumberError(input: "020 7946 0958", reason: .nationalFormat)
        #expect(error.description.contains("\"020 7946 0958\" is not an E.164 phone number"))
        #expect(error.description.contains("country code"))
    }

    @Test func codableAsItsE164String() throws {
        let number = try PhoneNumber(e164: "+442079460958")
        let json = try JSONEncoder().encode([number])
        #expect(String(decoding: json, as: UTF8.self) == #"["+442079460958"]"#)
        #expect(try JSONDecoder().decode([PhoneNumber].self, from: json) == [number])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["0207"]"#.utf8))
        }
    }
}
