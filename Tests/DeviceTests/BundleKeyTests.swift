import Device
import TestSupport
import Testing

@Suite struct BundleKeyTests {
    @Test func keysRoundTripThroughFilesAndNeverPrint() throws {
        let directory = try TemporaryDirectory()
        let key = BundleSigningKey.generate()
        try key.write(to: directory.path + "/signing.key")
        try key.publicKey.write(to: directory.path + "/signing.pub")
        #expect(TestFile.mode(directory.path + "/signing.key") == 0o600)
        #expect(try TestFile.read(directory.path + "/signing.key").count == 32)
        let reread = try BundleSigningKey(contentsOfFile: directory.path + "/signing.key")
        #expect(reread.publicKey == key.publicKey)
        #expect(try BundlePublicKey(contentsOfFile: directory.path + "/signing.pub") == key.publicKey)
        #expect("\(key)" == "BundleSigningKey(<redacted>)" && String(reflecting: key) == "BundleSigningKey(<redacted>)")
        #expect(key.publicKey.description == "ed25519:" + key.publicKey.hex)

        // Never overwritten.
        #expect(throws: BundleKeyError.exists(path: directory.path + "/signing.key")) {
            try BundleSigningKey.generate().write(to: directory.path + "/signing.key")
        }
        // Hex form, with or without a newline.
        try directory.write("hex.pub", Array((key.publicKey.hex + "\n").utf8))
        #expect(try BundlePublicKey(contentsOfFile: directory.path + "/hex.pub") == key.publicKey)
        try directory.write("bad.pub", Array("not a key\n".utf8))
        #expect(throws: BundleKeyError.self) { try BundlePublicKey(contentsOfFile: directory.path + "/bad.pub") }
        do {
            _ = try BundlePublicKey(contentsOfFile: directory.path + "/missing.pub")
        } catch {
            #expect(error.description.contains("missing.pub"))
        }
    }

    @Test func writerRefusesWhatTheDeviceWouldRefuse() throws {
        let directory = try TemporaryDirectory()
        let key = BundleSigningKey.generate()
        try directory.write("image", [1, 2, 3])
        func write(name: String = "system.img", board: String = "pi4", images: Int = 1) -> BundleWriteError? {
            let writer = BundleWriter(
                version: OTAFixtures.version("0.2.0"), board: board, minimumVersion: OTAFixtures.version("0.1.0"),
                created: 0, images: (0..<images).map { BundleWriter.Input(name: "\(name)\($0 == 0 ? "" : "\($0)")", path: directory.path + "/image") }
            )
            do {
                try writer.write(to: directory.path + "/out.bundle", signingKey: key)
                return nil
            } catch {
                return error
            }
        }
        #expect(write() == nil)
        guard case .manifest(let error) = write(name: "System.img") else { Issue.record("accepted a bad name"); return }
        #expect(error.field == "image[0].name")
        guard case .manifest = write(board: "pi 4") else { Issue.record("accepted a bad board"); return }
        guard case .manifest = write(images: 9) else { Issue.record("accepted 9 images"); return }
        let missing = BundleWriter(
            version: OTAFixtures.version("0.2.0"), board: "pi4", minimumVersion: OTAFixtures.version("0.1.0"), created: 0,
            images: [BundleWriter.Input(name: "system.img", path: directory.path + "/nope")]
        )
        #expect(throws: BundleWriteError.file(OTAFileError(path: directory.path + "/nope", operation: "open", errno: 2))) {
            try missing.write(to: directory.path + "/out2.bundle", signingKey: key)
        }
        #expect(!TestFile.exists(directory.path + "/out2.bundle") && !TestFile.exists(directory.path + "/out2.bundle.partial"))
    }
}
