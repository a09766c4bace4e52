import Foundation
import PatronSMS
import PatronWebhooks

/// The signature checks a stranger's request reaches first: Shopify's and WooCommerce's base64
/// HMAC, the timestamped `t=…,v1=…` scheme (Stripe's and the generic receiver's), and Twilio's
/// (form parameters, and a JSON body hashed into the URL). Input: a first line that is the
/// header as sent, a second the URL (Twilio), then the body. Whatever the header, a check
/// returns or throws, never traps; a forged header never passes; the header the sender's side
/// computes for the same body always does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
    let header = String(decoding: lines.first ?? [], as: UTF8.self)
    let url = lines.count > 1 ? String(decoding: lines[1], as: UTF8.self) : "https://shop.example/webhooks/twilio"
    let body = lines.count > 2 ? Array(lines[2]) : []
    let secrets = ["shpss_fuzz", "whsec_second"]
    let now: Int64 = 1_750_000_000

    // Base64 HMAC-SHA256 (Shopify, WooCommerce).
    let good = WebhookSignature.base64Header(body: body, secret: secrets[1])
    if (try? WebhookSignature.verifyBase64(body: body, header: header, secrets: secrets)) != nil {
        let macs = secrets.map { Data(base64Encoded: WebhookSignature.base64Header(body: body, secret: $0)) }
        precondition(
            macs.contains(Data(base64Encoded: header.trimmingCharacters(in: .whitespaces))),
            "a header that no secret produced passed: \(header)")
    }
    do { try WebhookSignature.verifyBase64(body: body, header: good, secrets: secrets) } catch {
        fatalError("the sender's own base64 header failed: \(error)")
    }

    // The timestamped scheme, with the fuzzed header and with the sender's.
    _ = try? WebhookSignature.verifyTimestamped(body: body, header: header, secrets: secrets, now: now)
    _ = try? WebhookSignature.verifyTimestamped(body: body, header: header, secrets: [], now: Int64.min)
    _ = try? WebhookSignature.verifyTimestamped(body: body, header: header, secrets: secrets, now: Int64.max)
    let stamped = WebhookSignature.timestampedHeader(body: body, secret: secrets[0], timestamp: now - 10)
    do { try WebhookSignature.verifyTimestamped(body: body, header: stamped, secrets: secrets, now: now) } catch {
        fatalError("the sender's own timestamped header failed: \(error)")
    }

    // Twilio: the body as form parameters, or as JSON hashed into the URL.
    let token = "twilio-auth-token"
    if let parameters = try? FormEncoding.decode(bytes: body) {
        _ = try? TwilioSignature.verify(signature: header, url: url, parameters: parameters, authToken: token)
        let signature = TwilioSignature.compute(url: url, parameters: parameters, authToken: token)
        do {
            try TwilioSignature.verify(signature: signature, url: url, parameters: parameters, authToken: token)
        } catch { fatalError("Twilio's own signature failed for \(url): \(error)") }
    }
    _ = try? TwilioSignature.verify(signature: header, url: url, jsonBody: body, authToken: token)
    return 0
}
