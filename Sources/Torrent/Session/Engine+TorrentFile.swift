extension Engine {
    /// Longest time a `.torrent` download may take, redirects included.
    public static let torrentFileTimeout: Duration = .seconds(30)

    /// Downloads a `.torrent` file from an `http`/`https` URL through the engine's binding and resolver (so a
    /// private tracker's download link never leaves the VPN), at most ``Metainfo/defaultMaxSize`` bytes.
    ///
    /// Throws ``TrackerError`` naming the URL: an unusable URL, the engine offline, the network, a status other than 200, or a body
    /// over the limit. The bytes are not parsed here; ``Metainfo/init(bytes:)`` does that.
    public func downloadTorrentFile(from text: String) async throws(TrackerError) -> [UInt8] {
        let url = try TrackerURL(text)
        // The binding of the moment: while the engine is offline (VPN down) nothing is sent.
        guard let binding = network.binding else { throw TrackerError(url: text, reason: .offline) }
        let response = try await http.get(
            url, binding: binding, timeout: Self.torrentFileTimeout, maxBodySize: Metainfo.defaultMaxSize
        )
        guard response.status == 200 else { throw TrackerError(url: text, reason: .httpStatus(response.status)) }
        return response.body
    }
}
