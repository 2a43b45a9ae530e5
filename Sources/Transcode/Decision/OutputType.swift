extension PlaybackDecision {
    /// The MIME type (with RFC 6381 codecs) of the fMP4 segments a session for this decision writes, for an MSE
    /// player's `addSourceBuffer`: transcoded video is H.264 High (`avc1.640028`), transcoded audio AAC-LC
    /// (`mp4a.40.2`), copied streams keep their own codec string. Nil for direct play, or when a copied stream has
    /// no codec string a browser knows.
    public func hlsMIMEType(media: MediaInfo) -> String? {
        guard mode.needsSession else { return nil }
        var codecs: [String] = []
        if let index = videoStream, let stream = media.stream(index) {
            if mode == .fullTranscode {
                codecs.append("avc1.640028")
            } else if let copied = CodecStrings.video(codec: stream.codec, profile: stream.profile, pixelFormat: stream.pixelFormat) {
                codecs.append(copied)
            } else {
                return nil
            }
        }
        if let index = audioStream, let stream = media.stream(index) {
            if mode == .remux {
                guard let copied = CodecStrings.audio(codec: stream.codec, profile: stream.profile) else { return nil }
                codecs.append(copied)
            } else {
                codecs.append("mp4a.40.2")
            }
        }
        guard !codecs.isEmpty else { return nil }
        return "video/mp4; codecs=\"\(codecs.joined(separator: ","))\""
    }
}
