import Foundation
import PatronCore

extension KeyedDecodingContainer {
    /// An integer Twilio may send as a number or a string (`"num_segments": "1"`); null or "" is nil.
    func decodeLenientInt(forKey key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let number = try? decode(Int.self, forKey: key) { return number }
        let text = try decode(String.self, forKey: key)
        if text.isEmpty { return nil }
        guard let number = Int(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "'\(text)' is not an integer")
        }
        return number
    }

    /// A decimal sent as a string (`"price": "-0.00750"`), kept exact.
    func decodeDecimalString(forKey key: Key) throws -> Decimal? {
        guard let text = try decodeIfPresent(String.self, forKey: key), !text.isEmpty else { return nil }
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "'\(text)' is not a decimal")
        }
        return value
    }

    /// A date in RFC 2822 form, as Twilio's 2010-04-01 API writes them.
    func decodeRFC2822(forKey key: Key) throws -> Date? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let date = RFC5322Date.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "'\(text)' is not an RFC 2822 date (e.g. Thu, 24 Aug 2023 05:01:45 +0000)")
        }
        return date
    }
}
