import PatronCore
import Testing

@Suite struct ContactNormalizerTests {
    init() { TestChannels.register() }

    @Test func normalisesEmail() {
        #expect(ContactNormalizer.email("  Ann.Lee@Example.COM ") == "ann.lee@example.com")
        #expect(ContactNormalizer.email("not an email") == nil)
        #expect(ContactNormalizer.email("a@@b") == nil)
        #expect(ContactNormalizer.email("") == nil)
        // Control characters make no address (a NUL would be refused by PostgreSQL on lookup).
        #expect(ContactNormalizer.email("a\u{0}b@example.com") == nil)
        #expect(ContactNormalizer.email("a\u{7F}b@example.com") == nil)
        #expect(ContactNormalizer.email("a\u{1B}b@example.com") == nil)
    }

    @Test(arguments: [
        ("+49 (151) 234-56789", "+4915123456789"), ("0049 151 23456789", "+4915123456789"),
        ("+1.415.555.2671", "+14155552671"),
    ])
    func normalisesPhoneToE164(raw: String, e164: String) {
        #expect(ContactNormalizer.phone(raw) == e164)
    }

    @Test(arguments: ["0151 23456789", "12345", "+0123456789", "+49 151 abc", "+1234567890123456"])
    func refusesToGuessCountryCodes(raw: String) {
        #expect(ContactNormalizer.phone(raw) == nil)
    }
}
