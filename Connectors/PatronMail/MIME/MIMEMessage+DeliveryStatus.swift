extension MIMEMessage {
    /// The delivery status report when this message is a bounce or delay notice, else `nil`.
    /// See `DeliveryStatusReport` for how non-RFC 3464 bounces are read.
    public var deliveryStatus: DeliveryStatusReport? {
        for part in root.allParts where part.contentType.type == "message" {
            let subtype = part.contentType.subtype
            guard subtype == "delivery-status" || subtype == "global-delivery-status", let text = part.text else {
                continue
            }
            if let report = Self.parseDeliveryStatus(text), !report.recipients.isEmpty { return report }
        }
        return BounceTextScanner.report(for: self)
    }

    /// Whether this message is a delivery failure or delay notice.
    public var isBounce: Bool { deliveryStatus != nil }

    static func parseDeliveryStatus(_ text: String) -> DeliveryStatusReport? {
        let blocks = ReportFieldBlocks.parse(text)
        guard !blocks.isEmpty else { return nil }
        let reportingMTA = blocks.lazy.compactMap { ReportFieldBlocks.typedValue($0["Reporting-MTA"]) }.first
        let recipients = blocks.compactMap { block -> DeliveryStatusReport.Recipient? in
            guard let final = ReportFieldBlocks.address(block["Final-Recipient"]) else { return nil }
            let status = block["Status"].flatMap { $0.split(separator: " ").first.map(String.init) }
            return DeliveryStatusReport.Recipient(
                finalRecipient: final,
                originalRecipient: ReportFieldBlocks.address(block["Original-Recipient"]),
                action: DeliveryStatusReport.Action(field: block["Action"], status: status),
                status: status,
                diagnosticCode: ReportFieldBlocks.typedValue(block["Diagnostic-Code"]),
                remoteMTA: ReportFieldBlocks.typedValue(block["Remote-MTA"]))
        }
        return DeliveryStatusReport(reportingMTA: reportingMTA, recipients: recipients, source: .rfc3464)
    }
}
