/// This device's id: 32 random hex digits in `<data>/device/id`, made on first use (written durably) and kept for
/// the life of the data partition (a factory reset makes a new one). Its first four digits make the mDNS name
/// `rill-XXXX.local` that no other Rill on the LAN has.
public enum DeviceIdentity {
    /// The id, made and stored when there is none (or the stored one is damaged: then a new one replaces it and
    /// `replaced` says why).
    public static func load(dataDirectory: String) throws(OTAFileError) -> (id: String, replaced: String?) {
        let path = dataDirectory + "/device/id"
        var replaced: String?
        do {
            if let bytes = try DurableFile.read(path, limit: 64) {
                let text = String(decoding: bytes, as: UTF8.self).trimmingSuffix { $0 == "\n" }
                if isValid(text) { return (text, nil) }
                replaced = "the stored device id was not 32 hex digits"
            }
        } catch {
            replaced = "the stored device id was unreadable: \(error)"
        }
        var generator = SystemRandomNumberGenerator()
        let id = (0..<16).map { _ -> String in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
        }.joined()
        try DataFolder.make(dataDirectory + "/device")
        try DurableFile.write(Array((id + "\n").utf8), to: path)
        return (id, replaced)
    }

    static func isValid(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
