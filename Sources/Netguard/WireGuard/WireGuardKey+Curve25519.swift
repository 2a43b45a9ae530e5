import Crypto

extension WireGuardKey {
    /// The Curve25519 public key of this key taken as a private key, as `wg pubkey` prints it; `nil` if X25519
    /// refuses it (it clamps any 32 bytes, so in practice never).
    func derivedPublicKey() -> WireGuardKey? {
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes) else { return nil }
        return WireGuardKey(bytes: [UInt8](key.publicKey.rawRepresentation))
    }
}
