/// The last `capacity` bytes of a child's stderr: enough to say why ffmpeg failed, never more however much a
/// broken file makes it print.
struct OutputTail: Sendable {
    let capacity: Int
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4096) { self.capacity = capacity }

    mutating func append(_ chunk: some Collection<UInt8>) {
        bytes.append(contentsOf: chunk.suffix(capacity))
        if bytes.count > capacity { bytes.removeFirst(bytes.count - capacity) }
    }

    /// The kept bytes as text, trimmed, with only the last few lines (ffmpeg's final words are the useful ones).
    var text: String {
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
        return lines.suffix(6).joined(separator: "\n")
    }
}
