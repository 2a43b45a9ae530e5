import Hummingbird
import HTTPTypes

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The names this device answers to in the `Host` header: the defence against DNS rebinding (a web page on
/// `evil.example` whose name is made to resolve to the device would otherwise reach the open API before setup, and
/// anything a login does not guard).
///
/// Accepted, case-insensitively, with any port and a trailing dot:
/// - no `Host` at all (HTTP/1.0 clients; browsers always send one);
/// - IP literals: dotted-quad IPv4, bracketed IPv6 (a rebinding attack needs a name, never an address);
/// - `localhost`;
/// - each device base name — `[device] hostname`, `rill` and the machine's own host name — alone, as `<base>-N`
///   (the mDNS rename after a conflict), `<base>-XXXX` (the mDNS unique name, XXXX hex) or `<base>-XXXX-N`, each with
///   or without `.local`;
/// - the names in `[http] allowed_hosts` exactly; `*` there switches the check off.
///
/// Anything else (garbage, over 255 bytes, other names) is refused.
public struct AllowedHosts: Sendable {
    /// Lower-case base names.
    let bases: Set<String>
    /// Lower-case extra names.
    let extra: Set<String>
    let anyHost: Bool

    /// `deviceHostname` is `[device] hostname`; `extra` is `[http] allowed_hosts`; `systemHostname` defaults to the
    /// kernel's (`gethostname`).
    public init(deviceHostname: String = "rill", extra: [String] = [], systemHostname: String? = AllowedHosts.kernelHostname()) {
        var bases: Set<String> = ["rill"]
        for name in [deviceHostname, systemHostname ?? ""] {
            let name = Self.stripLocal(Self.normalise(name))
            if !name.isEmpty, !name.contains("."), name.utf8.count <= 63 { bases.insert(name) }
        }
        self.bases = bases
        self.extra = Set(extra.map(Self.normalise).filter { !$0.isEmpty && $0 != "*" })
        anyHost = extra.contains("*")
    }

    /// Whether a request with this `Host` value (nil: none) may be answered.
    public func allows(_ host: String?) -> Bool {
        guard let host else { return true }
        if anyHost { return true }
        guard host.utf8.count <= 255, let name = Self.hostPart(host) else { return false }
        if name.hasPrefix("[") { return Self.isIPv6Literal(name) }
        if Self.isIPv4Literal(name) || name == "localhost" || extra.contains(name) { return true }
        return isDeviceName(Self.stripLocal(name))
    }

    /// `base`, `base-N`, `base-XXXX`, `base-XXXX-N` for one of the bases.
    func isDeviceName(_ label: String) -> Bool {
        if bases.contains(label) { return true }
        for base in bases where label.hasPrefix(base + "-") {
            let rest = label.dropFirst(base.count + 1).split(separator: "-", omittingEmptySubsequences: false)
            func isCounter(_ text: Substring) -> Bool { (1...3).contains(text.utf8.count) && text.utf8.allSatisfy { (0x30...0x39).contains($0) } }
            func isSuffix(_ text: Substring) -> Bool { text.utf8.count == 4 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } }
            switch rest.count {
            case 1 where isCounter(rest[0]) || isSuffix(rest[0]): return true
            case 2 where isSuffix(rest[0]) && isCounter(rest[1]): return true
            default: continue
            }
        }
        return false
    }

    /// The host without its port, lower-cased, without a trailing dot; nil when the port is not a number or the
    /// name has characters no host name or literal has.
    static func hostPart(_ host: String) -> String? {
        var text = Substring(host)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let after = text[text.index(after: close)...]
            guard after.isEmpty || (after.hasPrefix(":") && isPort(after.dropFirst())) else { return nil }
            return text[...close].lowercased()
        }
        if let colon = text.firstIndex(of: ":") {
            guard isPort(text[text.index(after: colon)...]) else { return nil }
            text = text[..<colon]
        }
        let name = normalise(String(text))
        guard !name.isEmpty, name.utf8.allSatisfy({
            (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }) else { return nil }
        return name
    }

    static func isPort(_ text: Substring) -> Bool {
        (1...5).contains(text.utf8.count) && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    static func normalise(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }

    static func stripLocal(_ name: String) -> String {
        name.hasSuffix(".local") ? String(name.dropLast(6)) : name
    }

    static func isIPv4Literal(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            (1...3).contains(part.utf8.count) && part.utf8.allSatisfy { (0x30...0x39).contains($0) } && Int(part).map { $0 <= 255 } == true
        }
    }

    /// `[…]` holding an address `inet_pton` accepts (a zone `%eth0` is not allowed in a Host header).
    static func isIPv6Literal(_ bracketed: String) -> Bool {
        guard bracketed.hasPrefix("["), bracketed.hasSuffix("]"), bracketed.utf8.count <= 47 else { return false }
        let inner = String(bracketed.dropFirst().dropLast())
        var address = in6_addr()
        return inet_pton(AF_INET6, inner, &address) == 1
    }

    /// The kernel's host name, or nil.
    public static func kernelHostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Refuses requests whose `Host` is not one of ``AllowedHosts`` with 421 `unknown_host`, on every route, before
/// anything else looks at the request.
struct HostCheckMiddleware: RouterMiddleware {
    typealias Context = RillRequestContext
    let hosts: AllowedHosts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard hosts.allows(request.head.authority) else {
            throw APIError(
                .misdirectedRequest, code: "unknown_host",
                message: "this device does not answer to that host name; use its address or add the name to [http] allowed_hosts"
            )
        }
        return try await next(request, context)
    }
}
