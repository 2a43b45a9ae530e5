/// Turns a URL's host into the addresses the binding allows, through the engine's ``HostResolver``
/// (never libc's). IP literals need no resolver.
enum BoundAddressResolution {
    /// Most addresses kept for one host.
    static let maxAddresses = 8

    /// The addresses for `url`'s host (IPv4 first, IPv6 dropped when the binding forbids it); throws
    /// ``TrackerError/Reason/resolution(host:reason:)`` when none remain.
    static func addresses(
        for url: TrackerURL, binding: NetworkBinding, resolver: any HostResolver
    ) async throws(TrackerError) -> [[UInt8]] {
        var addresses: [[UInt8]]
        if let literal = url.literalAddress {
            addresses = [literal]
        } else {
            do {
                addresses = try await resolver.resolve(host: url.host)
            } catch is CancellationError {
                throw TrackerError(url: url.text, reason: .cancelled)
            } catch let error as HostResolutionError {
                throw TrackerError(url: url.text, reason: .resolution(host: url.host, reason: error.reason))
            } catch {
                throw TrackerError(url: url.text, reason: .resolution(host: url.host, reason: "\(error)"))
            }
        }
        let usable = addresses.filter { $0.count == 4 || ($0.count == 16 && binding.allowsIPv6) }
        let ordered = usable.filter { $0.count == 4 } + usable.filter { $0.count == 16 }
        guard !ordered.isEmpty else {
            let why = addresses.isEmpty ? "no addresses" : "only IPv6 addresses, and the binding forbids IPv6"
            throw TrackerError(url: url.text, reason: .resolution(host: url.host, reason: why))
        }
        return Array(ordered.prefix(maxAddresses))
    }

    /// `1.2.3.4` or `[::1]`, as `CURLOPT_RESOLVE` and `CURLOPT_INTERFACE` take them.
    static func curlText(_ address: [UInt8]) -> String {
        address.count == 4 ? IPAddressText.format(address) : "[\(IPAddressText.format(address))]"
    }
}
