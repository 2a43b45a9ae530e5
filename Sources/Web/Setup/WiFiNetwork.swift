import Crypto
import CryptoExtras

/// A Wi-Fi network from a preseed file, checked and written as a wpa_supplicant configuration.
///
/// Contract: the SSID is 1–32 bytes; the key is 8–63 printable ASCII characters (a passphrase) or 64 hex digits
/// (a raw PSK), or absent for an open network; the country is two capital letters (ISO 3166-1, needed for the
/// radio's legal channels). The file holds the SSID in hex and the PSK as its 64-hex-digit PBKDF2 form
/// (`wpa_passphrase`'s), never the passphrase, and is written 0600 by write-temp + fsync + rename.
public struct WiFiNetwork: Sendable, Equatable {
    public let ssid: [UInt8]
    /// The 32-byte pre-shared key, or nil for an open network.
    public let psk: [UInt8]?
    public let country: String

    public init(ssid: String, psk: String?, country: String) throws(WiFiError) {
        let ssidBytes = Array(ssid.utf8)
        guard (1...32).contains(ssidBytes.count) else { throw .invalid("ssid", "must have 1 to 32 bytes") }
        guard country.utf8.count == 2, country.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw .invalid("country", "must be two capital letters such as GB or DE")
        }
        self.ssid = ssidBytes
        self.country = country
        guard let psk else {
            self.psk = nil
            return
        }
        let bytes = Array(psk.utf8)
        if bytes.count == 64, let raw = Self.hexBytes(psk) {
            self.psk = raw
        } else if (8...63).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) {
            // WPA's own definition (IEEE 802.11i): PBKDF2-HMAC-SHA1, 4096 rounds, the SSID as salt.
            do {
                let key = try KDF.Insecure.PBKDF2.deriveKey(from: bytes, salt: ssidBytes, using: .insecureSHA1, outputByteCount: 32, unsafeUncheckedRounds: 4096)
                self.psk = key.withUnsafeBytes { Array($0) }
            } catch {
                throw .invalid("psk", "could not be derived")
            }
        } else {
            throw .invalid("psk", "must be 8 to 63 printable ASCII characters, or 64 hex digits")
        }
    }

    /// The wpa_supplicant.conf text.
    public var supplicantConfig: String {
        var text = """
            # Written by rill setup preseed.
            ctrl_interface=DIR=/var/run/wpa_supplicant
            update_config=0
            country=\(country)

            network={
            \tssid=\(Hex.string(ssid))
            """
        if let psk {
            text += "\n\tpsk=\(Hex.string(psk))\n\tkey_mgmt=WPA-PSK\n"
        } else {
            text += "\n\tkey_mgmt=NONE\n"
        }
        return text + "}\n"
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var high: UInt8?
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                out.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return high == nil ? out : nil
    }
}

/// A Wi-Fi value that is refused; names the key, never the secret.
public enum WiFiError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String, String)

    public var description: String {
        switch self {
        case .invalid(let key, let why): "wifi.\(key): \(why)"
        }
    }
}
