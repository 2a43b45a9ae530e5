// libFuzzer entry point for the bundle format (header and manifest). Built by `ci/fuzz bundle <seconds>`, compiled
// in one module with Sources/Device/OTA/Format/*.swift (so no `import Device`; that folder needs no Crypto).
//
// Properties checked on every input (a violation is a `fatalError`, which libFuzzer reports as a crash):
// - parsing never traps, and a refusal names a field and an offset within the input (shifted by the base offset);
// - an accepted manifest is canonical: it re-encodes byte for byte to the input, and that parses to an equal value;
// - an accepted manifest keeps its own rules: images contiguous from 0, sizes within limits, board in compatible;
// - an accepted header re-encodes to the input's first 16 bytes.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    checkManifest(input, limits: .standard)
    var tight = BundleLimits.standard
    tight.maxImages = 2
    tight.maxManifestBytes = 512
    tight.maxImageBytes = 1 << 20
    checkManifest(input, limits: tight)
    checkHeader(input)
    return 0
}

private func checkManifest(_ input: [UInt8], limits: BundleLimits) {
    let base = BundleHeader.size
    let manifest: BundleManifest
    do {
        manifest = try BundleManifest(parsing: input, baseOffset: base, limits: limits)
    } catch {
        guard !error.field.isEmpty, error.offset >= base, error.offset <= base + input.count else {
            fatalError("refusal out of range: \(error)")
        }
        guard !error.description.isEmpty else { fatalError("empty description") }
        return
    }
    guard manifest.canonicalBytes == input else { fatalError("accepted a non-canonical manifest") }
    guard (try? BundleManifest(parsing: manifest.canonicalBytes, baseOffset: base, limits: limits)) == manifest else {
        fatalError("canonical bytes do not parse back to the same manifest")
    }
    var offset = 0
    for image in manifest.images {
        guard image.offset == offset, image.size > 0, image.size <= limits.maxImageBytes, image.sha256.count == 32 else {
            fatalError("accepted a bad image: \(image)")
        }
        offset += image.size
    }
    guard offset <= limits.maxPayloadBytes, manifest.images.count <= limits.maxImages,
        manifest.runs(on: manifest.board), manifest.minimumVersion <= manifest.version
    else { fatalError("accepted a manifest that breaks its rules") }
}

private func checkHeader(_ input: [UInt8]) {
    guard let header = try? BundleHeader(parsing: input, limits: .standard) else { return }
    guard header.bytes == Array(input.prefix(BundleHeader.size)),
        header.manifestLength > 0, header.manifestLength <= BundleLimits.standard.maxManifestBytes
    else { fatalError("header does not round-trip") }
}
