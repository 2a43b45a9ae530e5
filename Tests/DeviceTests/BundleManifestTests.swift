import Device
import Testing

@Suite struct BundleManifestTests {
    static let digest = String(repeating: "ab", count: 32)
    static let good = """
        version 0.2.0
        board pi4
        compatible cm4 pi4 pi400
        min-version 0.1.0
        created 1735689600
        image system.squashfs 0 1000 \(digest)
        image boot.vfat 1000 24 \(digest)

        """

    static func parse(_ text: String, limits: BundleLimits = .standard) throws(BundleFormatError) -> BundleManifest {
        try BundleManifest(parsing: Array(text.utf8), limits: limits)
    }

    /// The error for `text`, which must be refused.
    static func refusal(_ text: String, limits: BundleLimits = .standard) -> BundleFormatError? {
        do {
            _ = try parse(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func canonicalTextRoundTrips() throws {
        let manifest = try Self.parse(Self.good)
        #expect(manifest.version == BundleVersion("0.2.0"))
        #expect(manifest.board == "pi4")
        #expect(manifest.compatibleBoards == ["cm4", "pi4", "pi400"])
        #expect(manifest.minimumVersion == BundleVersion("0.1.0"))
        #expect(manifest.created == 1_735_689_600)
        #expect(manifest.images.map(\.name) == ["system.squashfs", "boot.vfat"])
        #expect(manifest.images.map(\.offset) == [0, 1000])
        #expect(manifest.images[1].sha256 == [UInt8](repeating: 0xAB, count: 32))
        #expect(manifest.payloadSize == 1024)
        #expect(manifest.runs(on: "pi400") && !manifest.runs(on: "pi5"))
        #expect(manifest.canonicalBytes == Array(Self.good.utf8))
    }

    @Test func versionsOrderNumerically() {
        #expect(BundleVersion("0.10.0")! > BundleVersion("0.9.3")!)
        #expect(BundleVersion("1.0.0")! > BundleVersion("0.99.99")!)
        for bad in ["", "1", "1.2", "1.2.3.4", "v1.2.3", "01.2.3", "1.2.3-rc1", "1..3", "1.2.3 ", "1234567890.0.0", "-1.0.0"] {
            #expect(BundleVersion(bad) == nil, "\(bad)")
        }
        #expect(BundleVersion("999999999.0.0")?.major == 999_999_999)
    }

    /// Each non-canonical variant is refused, naming the field, the line and the byte offset in the bundle.
    @Test(arguments: [
        // (replace, with, field, line)
        ("version 0.2.0", "version  0.2.0", "manifest", 1),
        ("version 0.2.0", "version 0.2", "manifest.version", 1),
        ("version 0.2.0", "ver 0.2.0", "manifest.version", 1),
        ("board pi4", "board Pi4", "manifest.board", 2),
        ("board pi4", "board pi4 pi5", "manifest.board", 2),
        ("compatible cm4 pi4 pi400", "compatible pi4 cm4 pi400", "manifest.compatible[1]", 3),
        ("compatible cm4 pi4 pi400", "compatible cm4 cm4 pi4", "manifest.compatible[1]", 3),
        ("compatible cm4 pi4 pi400", "compatible cm4 pi400", "manifest.compatible", 3),
        ("compatible cm4 pi4 pi400", "compatible", "manifest.compatible", 3),
        ("min-version 0.1.0", "min-version 0.3.0", "manifest.min-version", 4),
        ("created 1735689600", "created 01735689600", "manifest.created", 5),
        ("created 1735689600", "created -1", "manifest.created", 5),
        ("image system.squashfs 0 1000", "image system.squashfs 1 1000", "image[0].offset", 6),
        ("image boot.vfat 1000 24", "image boot.vfat 999 24", "image[1].offset", 7),
        ("image boot.vfat 1000 24", "image boot.vfat 1000 0", "image[1].size", 7),
        ("image boot.vfat 1000 24", "image system.squashfs 1000 24", "image[1].name", 7),
        ("image boot.vfat", "image ../etc/passwd", "image[1].name", 7),
        ("image boot.vfat", "image .hidden", "image[1].name", 7),
        ("image boot.vfat 1000 24 ab", "image boot.vfat 1000 24 AB", "image[1].sha256", 7),
        ("image boot.vfat 1000 24 ab", "image boot.vfat 1000 24 a", "image[1].sha256", 7),
        ("pi400\n", "pi400\r\n", "manifest", 3),
        ("pi400\n", "pi400 \n", "manifest", 3),
        ("board pi4\n", "board pi4\n\n", "manifest", 3),
    ])
    func nonCanonicalIsRefused(replace: String, with: String, field: String, line: Int) throws {
        let text = Self.good.replacingFirst(replace, with: with)
        #expect(text != Self.good)
        let error = try #require(Self.refusal(text))
        #expect(error.field == field, "\(error)")
        #expect(error.line == line, "\(error)")
        #expect(error.offset >= 16 && error.offset <= 16 + text.utf8.count, "\(error)")
        #expect(error.description.contains(field))
    }

    @Test func byteOffsetsPointAtTheField() throws {
        let text = Self.good.replacingFirst("board pi4", with: "board PI4")
        let error = try #require(Self.refusal(text))
        let boardValue = Array(text.utf8).firstIndex(of: UInt8(ascii: "P"))!
        #expect(error.offset == 16 + boardValue)
        #expect(error.description.hasPrefix("manifest.board (line 2, byte \(16 + boardValue))"))
    }

    @Test func missingLinesAndEndings() throws {
        #expect(Self.refusal("")?.reason == .empty)
        #expect(Self.refusal(String(Self.good.dropLast()))?.reason == .missingNewline)
        let noImages = String(Self.good[..<Self.good.firstRange(of: "image ")!.lowerBound])
        #expect(Self.refusal(noImages)?.field == "manifest.image")
        let noCreated = Self.good.replacingFirst("created 1735689600\n", with: "")
        #expect(Self.refusal(noCreated)?.reason == .unexpectedLine(expected: "created", found: "image"))
        #expect(Self.refusal(Self.good + "extra 1\n")?.field == "manifest.image")
        let binary = Self.good.replacingFirst("pi400", with: "pi40\u{00e9}")
        #expect(Self.refusal(binary).map { if case .notPrintableASCII = $0.reason { true } else { false } } == true)
    }

    @Test func limitsAreEnforced() throws {
        var limits = BundleLimits.standard
        limits.maxImages = 1
        #expect(Self.refusal(Self.good, limits: limits)?.reason == .tooMany(2, limit: 1))
        limits = .standard
        limits.maxImageBytes = 999
        #expect(Self.refusal(Self.good, limits: limits)?.reason == .tooLarge(1000, limit: 999))
        limits = .standard
        limits.maxPayloadBytes = 1023
        #expect(Self.refusal(Self.good, limits: limits)?.field == "image[1].size")
        limits = .standard
        limits.maxCompatibleBoards = 2
        #expect(Self.refusal(Self.good, limits: limits)?.reason == .tooMany(3, limit: 2))
        limits = .standard
        limits.maxManifestBytes = 100
        #expect(Self.refusal(Self.good, limits: limits)?.reason == .tooLarge(Self.good.utf8.count, limit: 100))
        let longName = String(repeating: "x", count: 65)
        #expect(Self.refusal(Self.good.replacingFirst("boot.vfat", with: longName))?.reason == .tooLarge(65, limit: 64))
        let hugeSize = Self.good.replacingFirst("1000 24", with: "1000 99999999999999999999")
        #expect(Self.refusal(hugeSize)?.field == "image[1].size")
    }

    @Test func headerIsChecked() throws {
        let good = BundleHeader(manifestLength: 300)
        #expect(good.bytes.count == 16)
        #expect(try BundleHeader(parsing: good.bytes, limits: .standard) == good)
        #expect(good.payloadOffset == 16 + 300 + 64)

        func refusal(_ bytes: [UInt8]) -> BundleFormatError? {
            do {
                _ = try BundleHeader(parsing: bytes, limits: .standard)
                return nil
            } catch {
                return error
            }
        }
        var bytes = good.bytes
        bytes[0] = UInt8(ascii: "X")
        #expect(refusal(bytes) == BundleFormatError(field: "header.magic", offset: 0, reason: .badMagic))
        bytes = good.bytes
        bytes[9] = 2
        #expect(refusal(bytes) == BundleFormatError(field: "header.format-version", offset: 8, reason: .unsupportedFormatVersion(2)))
        bytes = good.bytes
        bytes[11] = 1
        #expect(refusal(bytes)?.field == "header.flags")
        bytes = good.bytes
        bytes[12] = 0x7F
        #expect(refusal(bytes)?.reason == .tooLarge(0x7F00_012C, limit: 16 * 1024))
        #expect(refusal(BundleHeader(manifestLength: 0).bytes)?.reason == .empty)
        #expect(refusal(Array(good.bytes.prefix(15)))?.reason == .truncated)
    }
}

extension String {
    /// This string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
