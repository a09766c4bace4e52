import Foundation
import Hummingbird
import PatronCore

/// An HTTP error answered as `application/problem+json` (RFC 9457): the status, and a detail
/// saying what was wrong and where.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    /// Extra headers (`Retry-After` on 429).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }
}

/// Building JSON responses.
public enum APIResponse {
    /// A problem+json response.
    public static func problem(_ problem: Problem) -> Response {
        var text =
            #"{"type":"about:blank","title":"\#(problem.status.reasonPhrase)","status":\#(problem.status.code),"detail":"#
        text += quoted(problem.detail) + "}"
        var response = json(problem.status, text)
        response.headers[.contentType] = "application/problem+json"
        response.headers.append(contentsOf: problem.headers)
        return response
    }

    /// A JSON response from text already in JSON.
    public static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A JSON response from a JSON object (`[String: Any]`, arrays, numbers, strings, NSNull).
    public static func json(_ status: HTTPResponse.Status, object: Any) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String { JSONWriter.quoted(text) }

    /// A request header's value (names are case-insensitive).
    public static func header(_ request: Request, _ name: String) -> String? {
        let wanted = name.lowercased()
        return request.headers.first { $0.name.canonicalName == wanted }?.value
    }
}
