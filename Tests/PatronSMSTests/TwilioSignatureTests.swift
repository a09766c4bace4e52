import Foundation
import PatronSMS
import Testing

/// A request and whether its signature must pass, built from twilio-python's validator tests.
struct SignatureCase: Sendable, CustomTestStringConvertible {
    enum Outcome: Sendable, Equatable {
        case valid
        case refused(TwilioSignatureError.Reason)
    }

    let testDescription: String
    let url: String
    let parameters: FormFields
    let jsonBody: String?
    let signature: String?
    let outcome: Outcome

    static let file = "twilio/request_signature_test_vectors.twilio-python.json"

    static let all: [SignatureCase] = {
        guard let object = Fixtures.object(file), let url = object["url"] as? String,
            let params = object["params"] as? [String: String], let expected = object["expected_signature"] as? String,
            let duplicate = object["duplicate_params_case"] as? [String: Any],
            let pairs = duplicate["params_ordered_multidict"] as? [[String]],
            let duplicateExpected = duplicate["expected_signature"] as? String,
            let json = object["json_body_case"] as? [String: String],
            let ports = object["port_cases"] as? [String: String]
        else { return [] }
        let parameters = FormFields(params.map { FormFields.Field(name: $0.key, value: $0.value) })
        let multi = FormFields(pairs.map { FormFields.Field(name: $0[0], value: $0[1]) })
        let withPort = url.replacingOccurrences(of: ".com", with: ".com:1234")
        let http = url.replacingOccurrences(of: "https", with: "http")
        var tampered = parameters
        tampered.fields[0].value += "0"
        func form(_ name: String, _ url: String, _ parameters: FormFields, _ signature: String?, _ outcome: Outcome)
            -> SignatureCase
        {
            SignatureCase(
                testDescription: name, url: url, parameters: parameters, jsonBody: nil, signature: signature,
                outcome: outcome)
        }
        return [
            form("form parameters", url, parameters, expected, .valid),
            form("parameters in another order", url, FormFields(parameters.fields.reversed()), expected, .valid),
            form("repeated names, all values", url, multi, duplicateExpected, .valid),
            form(
                "repeated names, values in another order", url, FormFields(multi.fields.reversed()), duplicateExpected,
                .valid),
            form(
                "https with port 1234 checks the URL without it", withPort, parameters,
                ports["https_with_port_1234_validates_against"], .valid),
            form(
                "http with port 1234", withPort.replacingOccurrences(of: "https", with: "http"), parameters,
                ports["http_with_port_1234_expected"], .valid),
            form(
                "https without a port checks :443 too", url, parameters, ports["https_with_port_443_expected"], .valid),
            form("http without a port checks :80 too", http, parameters, ports["http_with_port_80_expected"], .valid),
            SignatureCase(
                testDescription: "JSON body with bodySHA256", url: json["url"]!, parameters: [:],
                jsonBody: json["body"], signature: json["expected_signature"], outcome: .valid),
            // Negative cases: each changes one thing a forger or a misconfigured proxy would.
            form("a tampered value", url, tampered, expected, .refused(.mismatch)),
            form(
                "a dropped repeated value", url, FormFields(Array(multi.fields.dropLast())), duplicateExpected,
                .refused(.mismatch)),
            form(
                "an added parameter", url, parameters + [FormFields.Field(name: "Extra", value: "1")], expected,
                .refused(.mismatch)),
            form("http instead of https", http, parameters, expected, .refused(.mismatch)),
            form(
                "another path", url.replacingOccurrences(of: "myapp", with: "other"), parameters, expected,
                .refused(.mismatch)),
            form(
                "another query", url.replacingOccurrences(of: "bar=2", with: "bar=3"), parameters, expected,
                .refused(.mismatch)),
            form(
                "the :443 signature on http", http, parameters, ports["https_with_port_443_expected"],
                .refused(.mismatch)),
            form("no header", url, parameters, nil, .refused(.missing)),
            form("an empty header", url, parameters, " ", .refused(.missing)),
            form("not base64", url, parameters, "not a signature!", .refused(.malformed)),
            form("a SHA-256 sized MAC", url, parameters, Data(count: 32).base64EncodedString(), .refused(.malformed)),
            SignatureCase(
                testDescription: "JSON body altered", url: json["url"]!, parameters: [:], jsonBody: json["body"]! + " ",
                signature: json["expected_signature"], outcome: .refused(.bodyHashMismatch)),
            SignatureCase(
                testDescription: "JSON body without bodySHA256", url: url, parameters: [:], jsonBody: json["body"],
                signature: json["expected_signature"], outcome: .refused(.missingBodyHash)),
            SignatureCase(
                testDescription: "JSON body, URL signature of another URL",
                url: json["url"]!.replacingOccurrences(of: "foo=1", with: "foo=2"), parameters: [:],
                jsonBody: json["body"], signature: json["expected_signature"], outcome: .refused(.mismatch)),
        ]
    }()

    static let authToken = "12345"
}

extension FormFields {
    static func + (lhs: FormFields, rhs: [Field]) -> FormFields { FormFields(lhs.fields + rhs) }
}

@Suite struct TwilioSignatureTests {
    @Test(arguments: SignatureCase.all)
    func twilioPythonVectors(_ vector: SignatureCase) {
        var outcome = SignatureCase.Outcome.valid
        do {
            if let body = vector.jsonBody {
                try TwilioSignature.verify(
                    signature: vector.signature, url: vector.url, jsonBody: Data(body.utf8),
                    authToken: SignatureCase.authToken)
            } else {
                try TwilioSignature.verify(
                    signature: vector.signature, url: vector.url, parameters: vector.parameters,
                    authToken: SignatureCase.authToken)
            }
        } catch {
            outcome = .refused(error.reason)
        }
        #expect(outcome == vector.outcome)
    }

    @Test func computesEachFixtureSignatureExactly() {
        guard let object = Fixtures.object(SignatureCase.file) else { return }
        let url = object["url"] as! String
        let ports = object["port_cases"] as! [String: String]
        let json = object["json_body_case"] as! [String: String]
        let parameters = SignatureCase.all[0].parameters
        func sign(_ url: String, _ parameters: FormFields = SignatureCase.all[0].parameters) -> String {
            TwilioSignature.compute(url: url, parameters: parameters, authToken: SignatureCase.authToken)
        }
        #expect(sign(url) == object["expected_signature"] as? String)
        #expect(sign(url, SignatureCase.all[2].parameters) == SignatureCase.all[2].signature)
        #expect(sign(url.replacingOccurrences(of: ".com", with: ".com:443")) == ports["https_with_port_443_expected"])
        #expect(
            sign(url.replacingOccurrences(of: "https://mycompany.com", with: "http://mycompany.com:80"))
                == ports["http_with_port_80_expected"])
        #expect(
            sign(url.replacingOccurrences(of: "https://mycompany.com", with: "http://mycompany.com:1234"))
                == ports["http_with_port_1234_expected"])
        #expect(sign(json["url"]!, [:]) == json["expected_signature"])
        #expect(TwilioSignature.bodySHA256(Data(json["body"]!.utf8)) == json["bodySHA256"])
        #expect(!parameters.fields.isEmpty)
    }

    @Test func statusCallbackFixtureSignsAndVerifies() throws {
        guard let fields = StatusCallbackFixture.fields else { return }
        let url = "https://patron.example.com/sms/status?shop=1"
        let signature = TwilioSignature.compute(url: url, parameters: fields, authToken: "token")
        let received = try FormEncoding.decode(fields.encoded)
        try TwilioSignature.verify(signature: signature, url: url, parameters: received, authToken: "token")
        #expect(throws: TwilioSignatureError.self) {
            try TwilioSignature.verify(signature: signature, url: url, parameters: received, authToken: "other")
        }
    }

    @Test func mismatchNamesTheURLsTried() {
        #expect {
            try TwilioSignature.verify(
                signature: Data(count: 20).base64EncodedString(), url: "https://a.example:8443/x?y=1", parameters: [:],
                authToken: "t")
        } throws: { error in
            let text = "\(error)"
            return text.contains("https://a.example/x?y=1 or https://a.example:8443/x?y=1")
        }
        #expect {
            try TwilioSignature.verify(
                signature: Data(count: 20).base64EncodedString(), url: "http://user:pw@[::1]/x", parameters: [:],
                authToken: "t")
        } throws: { "\($0)".contains("http://user:pw@[::1]/x or http://user:pw@[::1]:80/x") }
    }

    /// Found by `Scripts/fuzz.sh signatures`: a URL with an empty port (`https://host:/path`) was
    /// tried only without the colon and with `:443`, so the signature over the URL exactly as
    /// configured failed. The URL as given is tried too.
    @Test func aURLWithAnEmptyPortVerifiesAsGiven() throws {
        for url in ["https://shop.example:/webhooks/twilio", "https://shop.examphttp://ooks/stripe"] {
            let fields: FormFields = ["Body": "STOP"]
            let signature = TwilioSignature.compute(url: url, parameters: fields, authToken: "token")
            try TwilioSignature.verify(signature: signature, url: url, parameters: fields, authToken: "token")
            #expect(throws: TwilioSignatureError.self) {
                try TwilioSignature.verify(signature: signature, url: url, parameters: fields, authToken: "other")
            }
        }
    }
}
