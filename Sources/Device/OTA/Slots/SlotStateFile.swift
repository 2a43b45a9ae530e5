import Crypto

/// The slot state file: seven `key value...` lines in a fixed order, then a SHA-256 of them, so a torn or rotted
/// file is detected rather than believed. About 200 bytes; see docs/OTA.md.
///
///     rill-slots 1
///     generation 12
///     last-good a
///     trial b 0.2.0 3                  (or: trial none)
///     version a 0.1.0                  (or: version a none)
///     version b 0.2.0
///     result staged 0.2.0 b            (or: result none)
///     sha256 <64 hex digits over the lines above>
enum SlotStateFile {
    /// Largest file read; anything longer is corrupt.
    static let maxBytes = 1024

    static func encode(_ state: SlotState) -> [UInt8] {
        var text = "rill-slots 1\ngeneration \(state.generation)\nlast-good \(state.lastGood.rawValue)\n"
        if let trial = state.trial {
            text += "trial \(trial.slot.rawValue) \(trial.version) \(trial.triesLeft)\n"
        } else {
            text += "trial none\n"
        }
        for slot in Slot.allCases {
            text += "version \(slot.rawValue) \(state.versions[slot]?.description ?? "none")\n"
        }
        if let result = state.lastResult {
            text += "result \(result.outcome.rawValue) \(result.version) \(result.slot.rawValue)\n"
        } else {
            text += "result none\n"
        }
        let body = Array(text.utf8)
        return body + Array("sha256 \(Hex.encode(SHA256.hash(data: body)))\n".utf8)
    }

    static func decode(_ bytes: [UInt8], path: String) throws(SlotStateFileError) -> SlotState {
        var parser = Parser(bytes: bytes, path: path)
        return try parser.parse()
    }

    private struct Parser {
        let bytes: [UInt8]
        let path: String
        var lines: [[Substring]] = []
        var next = 0

        init(bytes: [UInt8], path: String) {
            self.bytes = bytes
            self.path = path
        }

        mutating func parse() throws(SlotStateFileError) -> SlotState {
            guard bytes.count <= SlotStateFile.maxBytes else { throw fail(nil, "larger than \(SlotStateFile.maxBytes) bytes") }
            guard bytes.last == UInt8(ascii: "\n") else { throw fail(nil, "does not end in a newline (torn write?)") }
            let body = bytes.dropLast().lastIndex(of: UInt8(ascii: "\n")).map { bytes[...$0] } ?? []
            let checksumLine = String(decoding: bytes[body.endIndex...].dropLast(), as: UTF8.self)
            guard checksumLine == "sha256 \(Hex.encode(SHA256.hash(data: Array(body))))" else {
                throw fail(nil, "checksum does not match its contents")
            }
            // The checksum held, so the text is what a writer wrote; still check every field.
            lines = String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .dropLast().map { $0.split(separator: " ", omittingEmptySubsequences: false) }

            try expect(["rill-slots", "1"])
            let generationText = try value("generation")
            guard let generation = UInt64(generationText) else { throw fail(next, "generation `\(generationText)`") }
            let lastGood = try slot(try value("last-good"))
            let trial = try self.trial()
            var versions: [Slot: BundleVersion] = [:]
            for expected in Slot.allCases {
                let fields = try line("version", count: 3)
                guard try slot(fields[1]) == expected else { throw fail(next, "expected slot \(expected.rawValue)") }
                if fields[2] != "none" { versions[expected] = try version(fields[2]) }
            }
            let result = try self.result()
            guard next == lines.count else { throw fail(next + 1, "unexpected line") }
            let state = SlotState(generation: generation, lastGood: lastGood, trial: trial, versions: versions, lastResult: result)
            guard state.isConsistent else { throw fail(nil, "inconsistent: the trial slot is the last good one or has no version") }
            return state
        }

        private mutating func trial() throws(SlotStateFileError) -> SlotState.Trial? {
            guard next < lines.count, lines[next].count == 2 else {
                let fields = try line("trial", count: 4)
                guard let tries = Int(fields[3]), (0...SlotState.maxTries).contains(tries) else { throw fail(next, "tries `\(fields[3])`") }
                return SlotState.Trial(slot: try slot(fields[1]), version: try version(fields[2]), triesLeft: tries)
            }
            try expect(["trial", "none"])
            return nil
        }

        private mutating func result() throws(SlotStateFileError) -> UpdateResult? {
            guard next < lines.count, lines[next].count == 2 else {
                let fields = try line("result", count: 4)
                guard let outcome = UpdateResult.Outcome(rawValue: String(fields[1])) else { throw fail(next, "outcome `\(fields[1])`") }
                return UpdateResult(outcome, version: try version(fields[2]), slot: try slot(fields[3]))
            }
            try expect(["result", "none"])
            return nil
        }

        private mutating func expect(_ fields: [Substring]) throws(SlotStateFileError) {
            guard next < lines.count, lines[next] == fields else { throw fail(next + 1, "expected `\(fields.joined(separator: " "))`") }
            next += 1
        }

        private mutating func value(_ key: Substring) throws(SlotStateFileError) -> Substring {
            try line(key, count: 2)[1]
        }

        /// The next line's fields; it must start with `key` and have `count` fields.
        private mutating func line(_ key: Substring, count: Int) throws(SlotStateFileError) -> [Substring] {
            guard next < lines.count, lines[next].first == key, lines[next].count == count else {
                throw fail(next + 1, "expected a `\(key)` line with \(count - 1) value\(count == 2 ? "" : "s")")
            }
            next += 1
            return lines[next - 1]
        }

        private func slot(_ text: Substring) throws(SlotStateFileError) -> Slot {
            guard let slot = Slot(rawValue: String(text)) else { throw fail(next, "slot `\(text)`") }
            return slot
        }

        private func version(_ text: Substring) throws(SlotStateFileError) -> BundleVersion {
            guard let version = BundleVersion(String(text)) else { throw fail(next, "version `\(text)`") }
            return version
        }

        private func fail(_ line: Int?, _ reason: String) -> SlotStateFileError {
            SlotStateFileError(path: path, line: line, reason: reason)
        }
    }
}

/// A slot state file that cannot be believed: where and why. The store then uses the other copy or the fallback.
public struct SlotStateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    /// 1-based line, when the problem is on one line.
    public let line: Int?
    public let reason: String

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}
