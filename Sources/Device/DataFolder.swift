#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Folders of the device services' files under the data directory (`device/`), made on first use.
enum DataFolder {
    /// Makes `folder` and any missing parents (the data directory may not exist yet before the store opened it).
    static func make(_ folder: String) throws(OTAFileError) {
        var built = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw OTAFileError(path: built, operation: "mkdir", errno: errno)
            }
        }
    }
}
