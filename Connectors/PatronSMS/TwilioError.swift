import Foundation

/// The error body Twilio sends with a 4xx or 5xx, e.g.
/// `{"code": 21211, "message": "The 'To' number … is not a valid phone number.", "more_info": "…", "status": 400}`.
public struct TwilioError: Error, Decodable, Hashable, Sendable, CustomStringConvertible {
    /// Twilio's error code (look it up at `moreInfo`); nil when the body had none.
    public var code: Int?
    public var message: String
    /// A link to the error's documentation.
    public var moreInfo: String?
    /// The HTTP status.
    public var status: Int?

    public init(code: Int?, message: String, moreInfo: String? = nil, status: Int?) {
        self.code = code
        self.message = message
        self.moreInfo = moreInfo
        self.status = status
    }

    /// The error for a failed response, whatever its body: Twilio's JSON when it is that, else the
    /// body's text (a proxy's HTML page, an empty body) under the HTTP status.
    public init(httpStatus: Int, body: Data) {
        if var decoded = try? JSONDecoder().decode(TwilioError.self, from: body) {
            decoded.status = decoded.status ?? httpStatus
            self = decoded
        } else {
            let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingWhitespace()
            self.init(code: nil, message: text.isEmpty ? "empty body" : String(text), status: httpStatus)
        }
    }

    enum CodingKeys: String, CodingKey {
        case code, message, status
        case moreInfo = "more_info"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decodeLenientInt(forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        moreInfo = try container.decodeIfPresent(String.self, forKey: .moreInfo)
        status = try container.decodeLenientInt(forKey: .status)
    }

    public var description: String {
        var text = "Twilio error"
        if let code { text += " \(code)" }
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        if let moreInfo { text += " — \(moreInfo)" }
        return text
    }
}
