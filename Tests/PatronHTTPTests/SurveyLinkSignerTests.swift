import Foundation
import PatronAuth
import PatronCore
import Testing

/// Survey links: what is signed comes back, any change to a link is refused (never read as
/// another token), another secret's links are refused, and the settings are checked.
struct SurveyLinkSignerTests {
    static let signer = try! SurveyLinkSigner(secret: "0123456789abcdef-survey", baseURL: "https://fb.example/")
    static let token = SurveyToken(
        messageKey: "post-purchase-review/1/42/order:shop:1001", customerID: CustomerID(42), kind: .review,
        sku: "MUG \"blue\"/ü", expiresAt: 1_790_000_000)

    @Test func aLinkCarriesItsTokenAndTheScoreOutsideTheSignature() throws {
        let link = Self.signer.link(Self.token, score: 4)
        #expect(link.hasPrefix("https://fb.example/s/") && link.hasSuffix("?score=4"))
        let text = String(link.dropFirst("https://fb.example/s/".count).prefix { $0 != "?" })
        #expect(text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        #expect(try Self.signer.verify(text) == Self.token)
        let nps = SurveyToken(messageKey: "m", customerID: CustomerID(7), kind: .nps, expiresAt: 0)
        #expect(try Self.signer.verify(Self.signer.token(nps)) == nps)
    }

    @Test func everyChangedCharacterIsRefused() throws {
        let text = Self.signer.token(Self.token)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var characters = Array(text)
        for index in characters.indices where characters[index] != "." {
            let original = characters[index]
            for replacement in [alphabet[(alphabet.firstIndex(of: original)! + 1) % alphabet.count], "."] {
                characters[index] = replacement
                #expect(throws: SurveyLinkSigner.LinkError.self, "\(index)") {
                    try Self.signer.verify(String(characters))
                }
            }
            characters[index] = original
        }
        for cut in [text.count - 1, text.count / 2, 1, 0] {
            #expect(throws: SurveyLinkSigner.LinkError.self) { try Self.signer.verify(String(text.prefix(cut))) }
        }
        #expect(throws: SurveyLinkSigner.LinkError.self) { try Self.signer.verify(text + "A") }
    }

    @Test func anotherSecretsLinksAreTampered() throws {
        let other = try SurveyLinkSigner(secret: "another secret, 16+ bytes", baseURL: "https://fb.example")
        #expect(throws: SurveyLinkSigner.LinkError.tampered) { try Self.signer.verify(other.token(Self.token)) }
    }

    @Test func theSettingsAreChecked() throws {
        #expect(throws: PatronError.self) { try SurveyLinkSigner(secret: "short", baseURL: "https://fb.example") }
        #expect(throws: PatronError.self) { try SurveyLinkSigner(secret: "0123456789abcdef", baseURL: "fb.example") }
        #expect(try SurveyLinkSigner.fromEnvironment([:]) == nil)
        #expect(throws: PatronError.self) {
            try SurveyLinkSigner.fromEnvironment(["PATRON_SURVEY_SECRET": "0123456789abcdef"])
        }
        let configured = try SurveyLinkSigner.fromEnvironment([
            "PATRON_SURVEY_SECRET": "0123456789abcdef", "PATRON_SURVEY_URL": "http://127.0.0.1:8080",
        ])
        #expect(configured?.baseURL == "http://127.0.0.1:8080")
    }
}
