import Foundation

/// Base64url without padding (RFC 4648 §5), as Web Push writes keys, salts and tokens.
public enum Base64URL {
    public static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// `nil` when `text` is not base64url (padding and whitespace are tolerated).
    public static func decode(_ text: String) -> Data? {
        var base64 = text.filter { !$0.isWhitespace && $0 != "=" }.replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        guard !base64.contains(where: { !($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/") }) else { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
