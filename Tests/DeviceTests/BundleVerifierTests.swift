import Device
import TestSupport
import Testing

@Suite struct BundleVerifierTests {
    let directory: TemporaryDirectory
    let key = BundleSigningKey.generate()
    let system = OTAFixtures.bytes(70_001, seed: 1)
    let boot = OTAFixtures.bytes(3_333, seed: 2)
    let bundle: [UInt8]

    init() throws {
        directory = try TemporaryDirectory()
        let path = try OTAFixtures.bundle(
            in: directory, compatible: ["cm4"], images: [("system.squashfs", system), ("boot.vfat", boot)], key: key
        )
        bundle = try TestFile.read(path)
    }

    var device: BundlePolicy { BundlePolicy(board: "pi4", runningVersion: OTAFixtures.version("0.1.0")) }

    func verifier(_ policy: BundlePolicy? = nil, keys: [BundlePublicKey]? = nil) -> BundleVerifier<CollectingSink> {
        BundleVerifier(trustedKeys: keys ?? [key.publicKey], policy: policy ?? device, sink: CollectingSink())
    }

    /// Streams `bytes` in `chunkSizes` and returns the error, or nil when the bundle verified.
    func refusal(
        _ bytes: [UInt8], policy: BundlePolicy? = nil, keys: [BundlePublicKey]? = nil, chunkSizes: [Int] = [4096]
    ) -> (BundleError?, CollectingSink) {
        var verifier = verifier(policy, keys: keys)
        do {
            try OTAFixtures.feed(bytes, to: &verifier, chunkSizes: chunkSizes)
            _ = try verifier.finish()
            return (nil, verifier.sink)
        } catch {
            return (error, verifier.sink)
        }
    }

    @Test(arguments: [[1], [7], [16, 1, 4096], [65_536], [1_000_000], [3, 97, 1021, 40_000]])
    func verifiesInChunksOfAnySize(chunkSizes: [Int]) throws {
        var verifier = verifier()
        try OTAFixtures.feed(bundle, to: &verifier, chunkSizes: chunkSizes)
        let verified = try verifier.finish()
        #expect(verified.size == bundle.count)
        #expect(verified.manifest.version == OTAFixtures.version("0.2.0"))
        #expect(verified.manifest.compatibleBoards == ["cm4", "pi4"])
        #expect(verifier.sink.images["system.squashfs"] == system)
        #expect(verifier.sink.images["boot.vfat"] == boot)
        #expect(verifier.sink.calls == ["prepare", "begin system.squashfs", "write", "finish system.squashfs",
                                        "begin boot.vfat", "write", "finish boot.vfat"])
    }

    @Test func anyChangeToHeaderManifestOrSignatureFailsBeforeAnyPayloadByte() throws {
        let header = try BundleHeader(parsing: bundle, limits: .standard)
        // Every byte of the signed part and the signature, flipped one at a time.
        for offset in 0..<header.payloadOffset {
            var tampered = bundle
            tampered[offset] ^= 0x01
            let (error, sink) = refusal(tampered, chunkSizes: [977])
            let caught = try #require(error, "flipping byte \(offset) was accepted")
            switch caught {
            case .badSignature: break  // at the signature, or elsewhere when a length byte changed
            case .malformed(let format): #expect(format.field.hasPrefix("header"), "byte \(offset): \(format)")
            default: Issue.record("byte \(offset): \(caught)")
            }
            #expect(!sink.calls.contains { $0 != "abort" }, "byte \(offset) reached the sink: \(sink.calls)")
        }
    }

    @Test func otherKeysAndUnsignedBundlesAreRefused() throws {
        let (error, sink) = refusal(bundle, keys: [BundleSigningKey.generate().publicKey])
        #expect(error == .badSignature(offset: 16 + (try BundleHeader(parsing: bundle, limits: .standard)).manifestLength))
        #expect(sink.calls == ["abort"])
        // Key rotation: any trusted key may have signed.
        #expect(refusal(bundle, keys: [BundleSigningKey.generate().publicKey, key.publicKey]).0 == nil)
        // A zero signature.
        let header = try BundleHeader(parsing: bundle, limits: .standard)
        var unsigned = bundle
        for offset in header.signatureOffset..<header.payloadOffset { unsigned[offset] = 0 }
        #expect(refusal(unsigned).0 == .badSignature(offset: header.signatureOffset))
    }

    @Test func tamperedPayloadIsADigestMismatchNamingTheImage() throws {
        let header = try BundleHeader(parsing: bundle, limits: .standard)
        var tampered = bundle
        tampered[header.payloadOffset + system.count + 10] ^= 0x80
        let (error, sink) = refusal(tampered)
        guard case .digestMismatch(let image, let offset, let expected, let actual) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(image == "boot.vfat")
        #expect(offset == header.payloadOffset + system.count)
        #expect(expected == OTAFixtures.sha256(boot) && actual != expected)
        #expect(sink.calls.last == "abort")
        #expect(!sink.calls.contains("finish boot.vfat"))
        #expect(error?.description.contains("boot.vfat") == true)
    }

    @Test func truncationAnywhereIsRefusedAndSaysWhere() throws {
        let header = try BundleHeader(parsing: bundle, limits: .standard)
        let cuts = Array(0..<header.payloadOffset + 2) + [header.payloadOffset + 5000, header.payloadOffset + system.count,
                                                           bundle.count - 1]
        for cut in cuts {
            let (error, sink) = refusal(Array(bundle.prefix(cut)), chunkSizes: [113])
            guard case .truncated(let part, let received, _) = error else {
                Issue.record("cut at \(cut): \(String(describing: error))")
                continue
            }
            #expect(received == cut)
            let expectedPart = cut < 16 ? "header" : cut < header.signatureOffset ? "manifest"
                : cut < header.payloadOffset ? "signature" : cut < header.payloadOffset + system.count ? "image system.squashfs"
                : "image boot.vfat"
            #expect(part == expectedPart, "cut at \(cut)")
            #expect(sink.calls.last == "abort")
        }
    }

    @Test func trailingBytesAreRefused() throws {
        let (error, sink) = refusal(bundle + [0], chunkSizes: [bundle.count + 1])
        #expect(error == .trailingBytes(offset: bundle.count))
        #expect(sink.calls.last == "abort")
        let (again, _) = refusal(bundle + Array("garbage".utf8), chunkSizes: [5])
        #expect(again == .trailingBytes(offset: bundle.count))
    }

    @Test func policyRefusesWrongBoardDowngradeAndTooOldSystems() throws {
        let wrongBoard = BundlePolicy(board: "pi-zero-2w", runningVersion: OTAFixtures.version("0.1.0"))
        let (boardError, boardSink) = refusal(bundle, policy: wrongBoard)
        #expect(boardError == .wrongBoard(device: "pi-zero-2w", compatible: ["cm4", "pi4"]))
        #expect(boardSink.calls == ["abort"])
        #expect(refusal(bundle, policy: BundlePolicy(board: "cm4", runningVersion: nil)).0 == nil)

        let newer = BundlePolicy(board: "pi4", runningVersion: OTAFixtures.version("0.3.0"))
        #expect(refusal(bundle, policy: newer).0 == .downgrade(bundle: OTAFixtures.version("0.2.0"), running: OTAFixtures.version("0.3.0")))
        var allowed = newer
        allowed.allowDowngrade = true
        #expect(refusal(bundle, policy: allowed).0 == nil)
        // The same version again is a reinstall, not a downgrade.
        #expect(refusal(bundle, policy: BundlePolicy(board: "pi4", runningVersion: OTAFixtures.version("0.2.0"))).0 == nil)

        let tooOld = BundlePolicy(board: "pi4", runningVersion: OTAFixtures.version("0.0.9"))
        #expect(refusal(bundle, policy: tooOld).0 == .runningVersionTooOld(running: OTAFixtures.version("0.0.9"), minimum: OTAFixtures.version("0.1.0")))
        #expect(refusal(bundle, policy: .integrityOnly).0 == nil)
    }

    @Test func malformedHeadersAreTyped() throws {
        var bad = bundle
        bad[3] = UInt8(ascii: "x")
        #expect(refusal(bad).0 == .malformed(BundleFormatError(field: "header.magic", offset: 0, reason: .badMagic)))
        #expect(refusal(Array("not a bundle at all, just text".utf8)).0?.description.contains("not a Rill bundle") == true)
        // A header claiming a huge manifest is refused before anything is buffered.
        bad = bundle
        bad[12] = 0xFF
        guard case .malformed(let error) = refusal(bad).0 else {
            Issue.record("accepted a 4 GiB manifest")
            return
        }
        #expect(error.field == "header.manifest-length")
    }

    @Test func errorsAreStickyAndAbortIsCalledOnce() throws {
        var verifier = verifier(BundlePolicy(board: "pi5", runningVersion: nil))
        #expect(throws: BundleError.self) { try verifier.consume(bundle) }
        #expect(throws: BundleError.wrongBoard(device: "pi5", compatible: ["cm4", "pi4"])) { try verifier.consume([1, 2, 3]) }
        #expect(throws: BundleError.wrongBoard(device: "pi5", compatible: ["cm4", "pi4"])) { _ = try verifier.finish() }
        #expect(verifier.sink.calls == ["abort"])
        #expect(verifier.manifest == nil)
    }

    @Test func sinkRefusalStopsTheStream() throws {
        struct RefusingSink: BundleImageSink {
            var aborted = 0
            var writes = 0
            mutating func prepare(for manifest: BundleManifest) throws(BundleSinkError) { throw .refused("no room") }
            mutating func begin(image: BundleImage) throws(BundleSinkError) {}
            mutating func write(_ bytes: UnsafeRawBufferPointer) throws(BundleSinkError) { writes += 1 }
            mutating func finish(image: BundleImage) throws(BundleSinkError) {}
            mutating func abort() { aborted += 1 }
        }
        var verifier = BundleVerifier(trustedKeys: [key.publicKey], policy: device, sink: RefusingSink())
        #expect(throws: BundleError.sink(.refused("no room"))) { try verifier.consume(bundle) }
        #expect(verifier.sink.aborted == 1 && verifier.sink.writes == 0)
    }
}
