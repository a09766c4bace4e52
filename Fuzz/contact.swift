import Foundation
import PatronCore

/// Email and phone normalisation: never a crash, and normalising twice changes nothing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let email = ContactNormalizer.email(text) {
        precondition(ContactNormalizer.email(email) == email, "email not idempotent: \(text)")
    }
    if let phone = ContactNormalizer.phone(text) {
        precondition(ContactNormalizer.phone(phone) == phone, "phone not idempotent: \(text)")
    }
    return 0
}
