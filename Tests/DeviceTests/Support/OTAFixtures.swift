import Crypto
import Device
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Real files, keys and bundles for the OTA tests.
enum OTAFixtures {
    /// `count` deterministic pseudo-random bytes.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: generator.next()) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// Writes each image into `directory` and builds a signed bundle from them at `directory/name`.
    @discardableResult
    static func bundle(
        in directory: TemporaryDirectory, name: String = "update.rillbundle", version: String = "0.2.0",
        board: String = "pi4", compatible: [String] = [], minimum: String = "0.1.0",
        images: [(String, [UInt8])], key: BundleSigningKey
    ) throws -> String {
        var inputs: [BundleWriter.Input] = []
        for (imageName, bytes) in images {
            try directory.write("\(name).\(imageName)", bytes)
            inputs.append(BundleWriter.Input(name: imageName, path: "\(directory.path)/\(name).\(imageName)"))
        }
        let writer = BundleWriter(
            version: try #require(BundleVersion(version)), board: board, compatibleBoards: compatible,
            minimumVersion: try #require(BundleVersion(minimum)), created: 1_735_689_600, images: inputs
        )
        let path = directory.path + "/" + name
        try writer.write(to: path, signingKey: key)
        return path
    }

    /// Feeds `bytes` to `verifier` in chunks whose sizes cycle through `chunkSizes`.
    static func feed<Sink>(_ bytes: [UInt8], to verifier: inout BundleVerifier<Sink>, chunkSizes: [Int]) throws(BundleError) {
        var offset = 0
        var turn = 0
        while offset < bytes.count {
            let size = min(chunkSizes[turn % chunkSizes.count], bytes.count - offset)
            try verifier.consume(bytes[offset..<offset + size])
            offset += size
            turn += 1
        }
    }

    static func version(_ text: String) -> BundleVersion {
        guard let version = BundleVersion(text) else { fatalError("test version \(text)") }
        return version
    }
}

/// A sink that keeps every image in memory and records each call: a real sink for small bundles, used to check
/// what the verifier hands out and when.
struct CollectingSink: BundleImageSink {
    var calls: [String] = []
    var images: [String: [UInt8]] = [:]
    private var current: String?

    mutating func prepare(for manifest: BundleManifest) throws(BundleSinkError) { calls.append("prepare") }
    mutating func begin(image: BundleImage) throws(BundleSinkError) {
        calls.append("begin \(image.name)")
        current = image.name
        images[image.name] = []
    }
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(BundleSinkError) {
        if let current { images[current, default: []] += bytes }
        if calls.last != "write" { calls.append("write") }
    }
    mutating func finish(image: BundleImage) throws(BundleSinkError) { calls.append("finish \(image.name)") }
    mutating func abort() { calls.append("abort") }
}

/// File helpers for tests.
enum TestFile {
    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw FileError.failed("open \(path)") }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw FileError.failed("open \(path)") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FileError.failed("write \(path)") }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func mode(_ path: String) -> mode_t {
        var facts = stat()
        return stat(path, &facts) == 0 ? facts.st_mode & 0o777 : 0
    }
}
