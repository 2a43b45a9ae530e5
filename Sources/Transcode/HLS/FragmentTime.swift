/// Reads when an fMP4 segment starts: the `tfdt` (base media decode time) of its first track fragment, in seconds,
/// using that track's timescale from the init segment's `mdhd`.
///
/// Only box headers are walked, within the bytes given (the head of a file); a malformed or truncated box ends the
/// walk with nil rather than reading past the buffer.
enum FragmentTime {
    /// Track id → timescale, from an init segment (`moov/trak/{tkhd,mdia/mdhd}`).
    static func timescales(initSegment bytes: [UInt8]) -> [UInt32: UInt32] {
        var result: [UInt32: UInt32] = [:]
        for trak in children(of: "moov", in: bytes).flatMap({ boxes(bytes, $0, type: "trak") }) {
            guard let tkhd = boxes(bytes, trak, type: "tkhd").first,
                  let mdhd = boxes(bytes, trak, type: "mdia").flatMap({ boxes(bytes, $0, type: "mdhd") }).first
            else { continue }
            // tkhd: version(1) flags(3) then times of 4 or 8 bytes each, then track_ID.
            let tkhdVersion = byte(bytes, tkhd.lowerBound)
            let trackID = uint32(bytes, tkhd.lowerBound + (tkhdVersion == 1 ? 20 : 12))
            // mdhd: version(1) flags(3) then creation/modification times of 4 or 8 bytes, then timescale.
            let mdhdVersion = byte(bytes, mdhd.lowerBound)
            let timescale = uint32(bytes, mdhd.lowerBound + (mdhdVersion == 1 ? 20 : 12))
            if let trackID, let timescale, timescale > 0 { result[trackID] = timescale }
        }
        return result
    }

    /// The start of the first track fragment of a media segment in seconds, nil when it cannot be read.
    static func start(segmentHead bytes: [UInt8], timescales: [UInt32: UInt32]) -> Double? {
        guard let traf = children(of: "moof", in: bytes).flatMap({ boxes(bytes, $0, type: "traf") }).first,
              let tfhd = boxes(bytes, traf, type: "tfhd").first,
              let tfdt = boxes(bytes, traf, type: "tfdt").first,
              let trackID = uint32(bytes, tfhd.lowerBound + 4),
              let timescale = timescales[trackID]
        else { return nil }
        let version = byte(bytes, tfdt.lowerBound)
        let time: UInt64? = version == 1
            ? uint64(bytes, tfdt.lowerBound + 4)
            : uint32(bytes, tfdt.lowerBound + 4).map(UInt64.init)
        return time.map { Double($0) / Double(timescale) }
    }

    /// The payload ranges of top-level boxes of `type`'s children: e.g. the inside of every `moov`.
    private static func children(of type: String, in bytes: [UInt8]) -> [Range<Int>] {
        boxes(bytes, 0..<bytes.count, type: type)
    }

    /// The payload ranges of the boxes of `type` directly inside `range`.
    static func boxes(_ bytes: [UInt8], _ range: Range<Int>, type: String) -> [Range<Int>] {
        let wanted = Array(type.utf8)
        var found: [Range<Int>] = []
        var offset = range.lowerBound
        while offset + 8 <= range.upperBound, let size32 = uint32(bytes, offset) {
            var header = 8
            var size = Int(size32)
            if size32 == 1 {
                guard let size64 = uint64(bytes, offset + 8), size64 <= UInt64(Int.max) else { break }
                size = Int(size64)
                header = 16
            } else if size32 == 0 {
                size = range.upperBound - offset
            }
            guard size >= header else { break }
            let end = offset + size
            if Array(bytes[(offset + 4)..<(offset + 8)]) == wanted {
                found.append((offset + header)..<min(end, range.upperBound))
            }
            guard end <= range.upperBound else { break }
            offset = end
        }
        return found
    }

    private static func byte(_ bytes: [UInt8], _ offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    private static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func uint64(_ bytes: [UInt8], _ offset: Int) -> UInt64? {
        guard offset >= 0, offset + 8 <= bytes.count else { return nil }
        return bytes[offset..<(offset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
