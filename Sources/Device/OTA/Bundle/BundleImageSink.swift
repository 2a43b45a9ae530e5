/// Where a verified bundle's images go while they stream in (a slot's partitions, a folder, nowhere).
///
/// The verifier calls `prepare` once, after the signature and the policy checked out and before any payload byte;
/// then for each image `begin`, `write` (any number of times, in order) and, only when the image's SHA-256 matched,
/// `finish`. On any failure it calls `abort` once, and nothing more. Bytes handed to `write` are unverified until
/// `finish`: a sink must not make them live before then.
public protocol BundleImageSink {
    /// The manifest checked out; throw to refuse (an image with no place to go, too little room).
    mutating func prepare(for manifest: BundleManifest) throws(BundleSinkError)
    /// The bytes of `image` follow.
    mutating func begin(image: BundleImage) throws(BundleSinkError)
    /// The next bytes of the current image (valid only during the call).
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(BundleSinkError)
    /// All of `image` arrived and its SHA-256 matched the signed manifest.
    mutating func finish(image: BundleImage) throws(BundleSinkError)
    /// Verification failed or the sink threw: drop what was written.
    mutating func abort()
}

extension BundleImageSink {
    public mutating func prepare(for manifest: BundleManifest) throws(BundleSinkError) {}
    public mutating func abort() {}
}

/// Why a sink refused a bundle or failed to store it.
public enum BundleSinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file operation failed.
    case file(OTAFileError)
    /// The sink cannot take this bundle (`no target for image boot.vfat`, `image is larger than its partition`).
    case refused(String)
    /// An image read back from its target does not have the SHA-256 that was written.
    case readbackMismatch(image: String, path: String)
    /// The slot state does not allow the install (see `SlotStateError`).
    case slotState(SlotStateError)

    public var description: String {
        switch self {
        case .file(let error): error.description
        case .refused(let reason): reason
        case .readbackMismatch(let image, let path): "image \(image) read back from \(path) does not match what was written"
        case .slotState(let error): error.description
        }
    }
}

/// A sink that keeps nothing: the verifier still checks every image's SHA-256 (`rill bundle verify`).
public struct DiscardingSink: BundleImageSink {
    public init() {}
    public mutating func begin(image: BundleImage) throws(BundleSinkError) {}
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(BundleSinkError) {}
    public mutating func finish(image: BundleImage) throws(BundleSinkError) {}
}
