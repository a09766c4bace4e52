/// Builds the part tree of a message from its bytes, collecting warnings as it goes.
struct MIMEEntityParser {
    /// Deeper nesting than this is kept as raw content (defends against hostile mail).
    static let maximumDepth = 40

    /// Header fields whose encoded words are checked at parse time so problems become warnings.
    private static let encodedWordFields = ["Subject", "From", "To", "Cc", "Reply-To", "Sender", "Comments"]

    private(set) var warnings: [MIMEParseWarning] = []

    /// Parses the message in `range`; `number` is the section number of the part holding it
    /// (`""` for the top-level message).
    mutating func parseMessage(_ bytes: [UInt8], range: Range<Int>, number: String, depth: Int) -> MIMEMessage {
        let firstWarning = warnings.count
        let root = parseEntity(
            bytes, range: range, number: number, isMessageRoot: true, defaultType: .textPlain, depth: depth)
        return MIMEMessage(root: root, warnings: Array(warnings[firstWarning...]))
    }

    private mutating func parseEntity(
        _ bytes: [UInt8], range: Range<Int>, number: String, isMessageRoot: Bool,
        defaultType: MIMEContentType, depth: Int
    ) -> MIMEPart {
        let block = HeaderBlockParser.parse(bytes, range: range, allowsEnvelopeLine: isMessageRoot && depth == 0)
        let headers = MIMEHeaders(block.fields)
        var issues = block.issues

        var contentType = defaultType
        if let value = headers["Content-Type"] {
            let parsed = MIMEContentType.parse(value)
            issues += parsed.issues
            if let parsedType = parsed.contentType {
                contentType = parsedType
            } else {
                issues.append(ParseIssue(kind: .malformedHeader, detail: "unreadable Content-Type '\(value)'"))
            }
        }
        var partNumber = number
        if isMessageRoot && !contentType.isMultipart { partNumber = number.isEmpty ? "1" : number + ".1" }

        let disposition = headers["Content-Disposition"].map { value in
            let parsed = MIMEContentDisposition.parse(value)
            issues += parsed.issues
            return parsed.disposition
        }
        let transfer = MIMETransferEncoding.parse(headers["Content-Transfer-Encoding"])
        if transfer.isNonstandard {
            issues.append(
                ParseIssue(
                    kind: .nonstandardTransferEncoding, detail: headers["Content-Transfer-Encoding"] ?? ""))
        }
        if case .other(let label) = transfer.encoding, !contentType.isMultipart {
            issues.append(ParseIssue(kind: .unknownTransferEncoding, detail: "'\(label)' kept undecoded"))
        }
        let filename = Self.filename(contentType: contentType, disposition: disposition, issues: &issues)
        if isMessageRoot {
            for field in headers where Self.encodedWordFields.contains(where: field.hasName) {
                issues += EncodedWordDecoder.decode(field.rawValue).issues
            }
        }
        let body = min(block.bodyStart, range.upperBound)..<range.upperBound
        var part = PartBuilder(
            partNumber: partNumber, headers: headers, contentType: contentType, disposition: disposition,
            encoding: transfer.encoding, filename: filename)

        defer { warnings += issues.map { $0.warning(in: partNumber) } }

        if contentType.isMultipart {
            guard depth < Self.maximumDepth else {
                issues.append(ParseIssue(kind: .nestingTooDeep, detail: contentType.mimeType))
                return part.leaf(content: Array(bytes[body]))
            }
            guard let boundary = contentType.boundary, !boundary.isEmpty else {
                issues.append(ParseIssue(kind: .missingBoundaryParameter, detail: contentType.mimeType))
                return textFallback(&part, bytes: bytes[body], issues: &issues)
            }
            let split = MultipartSplitter.split(bytes, range: body, boundary: Array(boundary.utf8))
            guard !split.parts.isEmpty else {
                issues.append(ParseIssue(kind: .boundaryNotFound, detail: boundary))
                return textFallback(&part, bytes: bytes[body], issues: &issues)
            }
            if !split.foundCloseDelimiter {
                issues.append(ParseIssue(kind: .missingFinalBoundary, detail: boundary))
            }
            let childDefault: MIMEContentType = contentType.subtype == "digest" ? .messageRFC822 : .textPlain
            var children: [MIMEPart] = []
            children.reserveCapacity(split.parts.count)
            for (offset, childRange) in split.parts.enumerated() {
                let childNumber = partNumber.isEmpty ? "\(offset + 1)" : "\(partNumber).\(offset + 1)"
                children.append(
                    parseEntity(
                        bytes, range: childRange, number: childNumber, isMessageRoot: false,
                        defaultType: childDefault, depth: depth + 1))
            }
            return part.multipart(children: children)
        }

        let content = transfer.encoding.decode(bytes[body])
        if contentType.isEmbeddedMessage {
            guard depth < Self.maximumDepth else {
                issues.append(ParseIssue(kind: .nestingTooDeep, detail: contentType.mimeType))
                return part.leaf(content: content)
            }
            let nested = parseMessage(content, range: 0..<content.count, number: partNumber, depth: depth + 1)
            return part.leaf(content: content, message: nested)
        }
        guard Self.isTextual(contentType) else { return part.leaf(content: content) }
        let decoded = MIMECharset.decode(content, label: contentType.charset)
        if let problem = decoded.problem { issues.append(problem) }
        return part.leaf(content: content, text: ByteScanning.normalizingLineEnds(decoded.text))
    }

    /// A multipart that cannot be split is kept as one text/plain part.
    private func textFallback(
        _ part: inout PartBuilder, bytes: ArraySlice<UInt8>, issues: inout [ParseIssue]
    ) -> MIMEPart {
        let content = Array(bytes)
        let decoded = MIMECharset.decode(content, label: part.contentType.charset)
        if let problem = decoded.problem { issues.append(problem) }
        part.contentType = MIMEContentType(type: "text", subtype: "plain", parameters: part.contentType.parameters)
        return part.leaf(content: content, text: ByteScanning.normalizingLineEnds(decoded.text))
    }

    /// Text types, plus the machine-readable report types that are text in practice.
    static func isTextual(_ type: MIMEContentType) -> Bool {
        if type.type == "text" { return true }
        guard type.type == "message" else { return false }
        switch type.subtype {
        case "delivery-status", "global-delivery-status", "disposition-notification",
            "global-disposition-notification", "feedback-report", "global-headers":
            return true
        default:
            return false
        }
    }

    private static func filename(
        contentType: MIMEContentType, disposition: MIMEContentDisposition?, issues: inout [ParseIssue]
    ) -> String? {
        let candidates = [disposition?.filename, contentType.name]
        guard let raw = candidates.compactMap({ $0 }).first(where: { !$0.isEmpty }) else { return nil }
        let decoded = EncodedWordDecoder.decode(raw)
        issues += decoded.issues
        let name = ByteScanning.trimmed(decoded.text)
        return name.isEmpty ? nil : name
    }
}

/// Collects the attributes shared by every kind of part while the parser decides which it is.
private struct PartBuilder {
    var partNumber: String
    var headers: MIMEHeaders
    var contentType: MIMEContentType
    var disposition: MIMEContentDisposition?
    var encoding: MIMETransferEncoding
    var filename: String?

    func multipart(children: [MIMEPart]) -> MIMEPart {
        MIMEPart(
            partNumber: partNumber, headers: headers, contentType: contentType, contentDisposition: disposition,
            transferEncoding: encoding, children: children, filename: filename)
    }

    func leaf(content: [UInt8], text: String? = nil, message: MIMEMessage? = nil) -> MIMEPart {
        MIMEPart(
            partNumber: partNumber, headers: headers, contentType: contentType, contentDisposition: disposition,
            transferEncoding: encoding, content: content, text: text, filename: filename, message: message)
    }
}
