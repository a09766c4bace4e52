import Foundation
import Hummingbird
import PatronCore

/// The body of `POST` and `PATCH /v1/customers`: the NDJSON customer object (`id`, `email`,
/// `phone`, `first_name`, `last_name`, `country`, `timezone`, `birthday`, `tags`, `created_at`),
/// plus `source` and `consent` (`{"email": "granted", "sms": "revoked"}`).
struct CustomerInput {
    var source: String?
    var id: String?
    /// The profile fields, as the NDJSON customer object has them.
    var profile: [String: Any]
    /// channel → status.
    var consent: [String: String]

    static let strings = ["email", "phone", "first_name", "last_name", "country", "timezone", "birthday", "created_at"]

    static func decode(_ buffer: ByteBuffer) throws(Problem) -> CustomerInput {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
                throw Problem(.badRequest, "body: expected a JSON object")
            }
            object = parsed
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.badRequest, "body: not JSON (\(error.localizedDescription))")
        }
        var input = CustomerInput(profile: [:], consent: [:])
        for (name, value) in object {
            switch name {
            case "source", "id":
                guard let text = value as? String, !text.isEmpty, !text.contains(":") || name == "id" else {
                    throw Problem(
                        .badRequest,
                        "body: '\(name)' must be a non-empty string\(name == "source" ? " without ':'" : "")")
                }
                if name == "source" { input.source = text.lowercased() } else { input.id = text }
            case _ where strings.contains(name):
                guard value is NSNull || value is String else {
                    throw Problem(.badRequest, "body: '\(name)' must be a string or null")
                }
                if let text = value as? String { input.profile[name] = text }
            case "tags":
                guard let tags = value as? [Any], tags.allSatisfy({ $0 is String }) else {
                    throw Problem(.badRequest, "body: 'tags' must be an array of strings")
                }
                input.profile["tags"] = tags
            case "consent":
                guard let consent = value as? [String: Any] else {
                    throw Problem(.badRequest, "body: 'consent' must be an object such as {\"email\": \"granted\"}")
                }
                let channels = ChannelRegistry.registered
                for (channel, status) in consent {
                    guard let known = ConsentChannel(rawValue: channel), channels[known] != nil else {
                        throw Problem(
                            .badRequest,
                            "body: consent: unknown channel '\(channel)' (\(channels.channels.map(\.rawValue).joined(separator: ", ")))"
                        )
                    }
                    guard let text = status as? String, ConsentStatus(rawValue: text) != nil else {
                        throw Problem(
                            .badRequest,
                            "body: consent.\(channel): expected \(ConsentStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                    input.consent[channel] = text
                }
            default:
                throw Problem(.badRequest, "body: unknown field '\(name)'")
            }
        }
        return input
    }
}
