import Device
import TestSupport
import Testing

/// Offline signing: an unsigned bundle is refused by the device, checked and signed in place by `BundleSigner`,
/// then accepted; a bundle whose images do not match its manifest is never signed.
@Suite struct BundleSignerTests {
    static func unsigned(_ directory: TemporaryDirectory) throws -> String {
        let system = OTAFixtures.bytes(70_000, seed: 4)
        try directory.write("system.squashfs", system)
        let writer = BundleWriter(
            version: OTAFixtures.version("0.2.0"), board: "pi4", minimumVersion: OTAFixtures.version("0.1.0"), created: 1_735_689_600,
            images: [BundleWriter.Input(name: "system.squashfs", path: directory.path + "/system.squashfs")]
        )
        let path = directory.path + "/unsigned.rillbundle"
        try writer.write(to: path, signingKey: nil)
        return path
    }

    static func verify(_ path: String, key: BundleSigningKey) throws -> VerifiedBundle {
        var verifier = BundleVerifier(trustedKeys: [key.publicKey], policy: .integrityOnly, sink: DiscardingSink())
        try OTAFixtures.feed(try TestFile.read(path), to: &verifier, chunkSizes: [4096])
        return try verifier.finish()
    }

    @Test func unsignedThenSigned() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.unsigned(directory)
        let key = BundleSigningKey.generate()
        #expect(throws: BundleError.badSignature(offset: 16 + (try TestFile.read(path)[12..<16].reduce(0) { $0 << 8 | Int($1) }))) {
            try Self.verify(path, key: key)
        }
        let size = try TestFile.read(path).count
        let manifest = try BundleSigner.sign(path, with: key)
        #expect(manifest.version == OTAFixtures.version("0.2.0"))
        #expect(try TestFile.read(path).count == size, "signed in place")
        #expect(try Self.verify(path, key: key).manifest == manifest)

        // Signed again by another key (rotation): only that key verifies it now.
        let next = BundleSigningKey.generate()
        try BundleSigner.sign(path, with: next)
        #expect(try Self.verify(path, key: next).manifest == manifest)
        #expect(throws: BundleError.self) { try Self.verify(path, key: key) }
    }

    @Test func aBundleWhoseImagesDoNotMatchIsNotSigned() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.unsigned(directory)
        var bytes = try TestFile.read(path)
        bytes[bytes.count - 1] ^= 1
        try TestFile.write(path, bytes)
        let key = BundleSigningKey.generate()
        #expect(throws: BundleSignError.self) { try BundleSigner.sign(path, with: key) }
        #expect(try TestFile.read(path) == bytes, "nothing written")
        try TestFile.write(path, Array(bytes.prefix(500)))
        #expect(throws: BundleSignError.self) { try BundleSigner.sign(path, with: key) }
    }
}
