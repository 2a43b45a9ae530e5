/// The `Content-Type` of a file, from its extension; `application/octet-stream` when unknown.
public enum MediaType {
    static let byExtension: [String: String] = [
        "mkv": "video/x-matroska", "mk3d": "video/x-matroska", "mka": "audio/x-matroska",
        "mp4": "video/mp4", "m4v": "video/mp4", "m4a": "audio/mp4", "mov": "video/quicktime",
        "webm": "video/webm", "avi": "video/x-msvideo", "ts": "video/mp2t", "m2ts": "video/mp2t",
        "mpg": "video/mpeg", "mpeg": "video/mpeg", "wmv": "video/x-ms-wmv", "flv": "video/x-flv", "ogv": "video/ogg",
        "mp3": "audio/mpeg", "flac": "audio/flac", "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg",
        "wav": "audio/wav", "aac": "audio/aac", "ac3": "audio/ac3",
        "srt": "application/x-subrip", "vtt": "text/vtt", "ass": "text/x-ssa", "ssa": "text/x-ssa",
        "txt": "text/plain; charset=utf-8", "nfo": "text/plain; charset=utf-8",
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
        "pdf": "application/pdf", "epub": "application/epub+zip", "zip": "application/zip",
    ]

    public static func of(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        return byExtension[path[path.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
