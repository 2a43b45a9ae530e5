#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Torrent

/// The stored WireGuard file: `<data>/vpn/wireguard.conf`, readable by the daemon's user alone.
///
/// Contract: written with write-temp + fsync + rename + fsync of the folder (``Torrent/AtomicFile``), file mode
/// 0600 in a 0700 folder, so a power cut leaves the old file or the new one and no other user can read the keys.
public struct VPNConfigFile: Sendable {
    /// The largest file read back (the parser's own limit).
    public static let maxSize = WireGuardConfigOptions.Limits().maxBytes

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The file in `dataDirectory`'s `vpn` folder.
    public init(dataDirectory: String) {
        self.init(path: dataDirectory + "/vpn/wireguard.conf")
    }

    /// The stored bytes, or `nil` when there is no file (or it cannot be read).
    public func read() -> [UInt8]? {
        AtomicFile.read(path, limit: Self.maxSize)
    }

    /// Stores `bytes` (already validated).
    public func write(_ bytes: [UInt8]) throws(StorageError) {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !folder.isEmpty {
            if mkdir(folder, 0o700) != 0, errno != EEXIST { throw StorageError(path: folder, operation: "mkdir", errno: errno) }
            guard chmod(folder, 0o700) == 0 else { throw StorageError(path: folder, operation: "chmod", errno: errno) }
        }
        try AtomicFile.write(bytes, to: path, mode: 0o600)
    }
}
