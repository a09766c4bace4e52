import Crypto
import Foundation

/// Message encryption for Web Push (RFC 8291) in the `aes128gcm` content coding (RFC 8188):
/// an ephemeral ECDH P-256 key agreement with the subscription's key, HKDF-SHA-256 with its
/// authentication secret, and AES-128-GCM over one record.
public enum WebPushEncryption {
    /// The record size written in the header; one record holds the whole message.
    public static let recordSize = 4_096
    /// The largest plaintext one record holds (the record less the 16-byte tag and the
    /// delimiter).
    public static let maxPlaintext = recordSize - 17

    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        case tooLong(Int)
        case malformed(String)
        public var description: String {
            switch self {
            case .tooLong(let count): "the message is \(count) bytes; one push record holds \(maxPlaintext)"
            case .malformed(let detail): "not an aes128gcm push message: \(detail)"
            }
        }
    }

    /// Encrypts `plaintext` to the subscription's public key and secret. `serverKey` and
    /// `salt` are fresh for every message unless given (the RFC's example gives them).
    public static func encrypt(
        _ plaintext: some DataProtocol, to uaPublic: P256.KeyAgreement.PublicKey, auth: Data,
        serverKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey(), salt: Data? = nil
    ) throws(Failure) -> Data {
        let plaintext = Data(plaintext)
        guard plaintext.count <= maxPlaintext else { throw .tooLong(plaintext.count) }
        let salt = salt ?? Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let asPublic = serverKey.publicKey.x963Representation
        let (key, nonce) = try keys(
            shared: serverKey, peer: uaPublic, uaPublic: uaPublic.x963Representation, asPublic: asPublic, auth: auth,
            salt: salt)
        var record = plaintext
        record.append(0x02)  // the last (and only) record's delimiter, no padding
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(record, using: key, nonce: nonce)
        } catch {
            throw .malformed("\(error)")
        }
        var body = salt
        body.append(contentsOf: withUnsafeBytes(of: UInt32(recordSize).bigEndian, Array.init))
        body.append(UInt8(asPublic.count))
        body.append(asPublic)
        body.append(sealed.ciphertext)
        body.append(sealed.tag)
        return body
    }

    /// Decrypts a message encrypted to `uaPrivate` (what a user agent, or the stub push
    /// service, does).
    public static func decrypt(_ body: Data, uaPrivate: P256.KeyAgreement.PrivateKey, auth: Data) throws(Failure)
        -> Data
    {
        let bytes = [UInt8](body)
        guard bytes.count >= 21 else { throw .malformed("shorter than its header") }
        let salt = Data(bytes[0..<16])
        let idLength = Int(bytes[20])
        guard bytes.count >= 21 + idLength + 17 else { throw .malformed("shorter than its header and tag") }
        let asPublicBytes = Data(bytes[21..<(21 + idLength)])
        guard let asPublic = try? P256.KeyAgreement.PublicKey(x963Representation: asPublicBytes) else {
            throw .malformed("the key id is not a P-256 public key")
        }
        let (key, nonce) = try keys(
            shared: uaPrivate, peer: asPublic, uaPublic: uaPrivate.publicKey.x963Representation,
            asPublic: asPublicBytes, auth: auth, salt: salt)
        let cipher = Data(bytes[(21 + idLength)...])
        let record: Data
        do {
            let box = try AES.GCM.SealedBox(
                nonce: nonce, ciphertext: cipher.dropLast(16), tag: cipher.suffix(16))
            record = try AES.GCM.open(box, using: key)
        } catch {
            throw .malformed("the record does not decrypt (wrong key or tampered)")
        }
        guard let delimiter = record.lastIndex(where: { $0 != 0 }), record[delimiter] == 0x02 else {
            throw .malformed("no last-record delimiter")
        }
        return Data(record[record.startIndex..<delimiter])
    }

    /// The content encryption key and nonce (RFC 8291 §3.4, RFC 8188 §2.2–2.3).
    static func keys(
        shared mine: P256.KeyAgreement.PrivateKey, peer: P256.KeyAgreement.PublicKey, uaPublic: Data, asPublic: Data,
        auth: Data, salt: Data
    ) throws(Failure) -> (SymmetricKey, AES.GCM.Nonce) {
        let ecdh: SharedSecret
        do {
            ecdh = try mine.sharedSecretFromKeyAgreement(with: peer)
        } catch {
            throw .malformed("key agreement failed")
        }
        let secret = ecdh.withUnsafeBytes { Data($0) }
        var keyInfo = Data("WebPush: info".utf8)
        keyInfo.append(0)
        keyInfo.append(uaPublic)
        keyInfo.append(asPublic)
        let ikm = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), salt: auth, info: keyInfo, outputByteCount: 32)
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: ikm, salt: salt)
        let cek = HKDF<SHA256>.expand(
            pseudoRandomKey: prk, info: Data("Content-Encoding: aes128gcm\u{0}".utf8), outputByteCount: 16)
        let nonce = HKDF<SHA256>.expand(
            pseudoRandomKey: prk, info: Data("Content-Encoding: nonce\u{0}".utf8), outputByteCount: 12)
        guard let gcmNonce = try? AES.GCM.Nonce(data: nonce.withUnsafeBytes { Data($0) }) else {
            throw .malformed("nonce")
        }
        return (cek, gcmNonce)
    }
}
