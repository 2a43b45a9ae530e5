import Testing
@testable import Transcode

/// The pure parts of the HLS output: the player's playlist, ffmpeg's playlist, fragment times, the segment index
/// and the command line.
@Suite struct HLSPartsTests {
    @Test func playlistCoversTheDurationOnAGrid() {
        let playlist = HLSPlaylist(duration: 10.5, segmentSeconds: 4)
        #expect(playlist.segmentCount == 3)
        #expect(playlist.length(of: 2) == 2.5)
        #expect(playlist.text == """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:4
            #EXT-X-PLAYLIST-TYPE:VOD
            #EXT-X-MEDIA-SEQUENCE:0
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MAP:URI="init.mp4"
            #EXTINF:4.000,
            0.m4s
            #EXTINF:4.000,
            1.m4s
            #EXTINF:2.500,
            2.m4s
            #EXT-X-ENDLIST

            """)
        #expect(HLSPlaylist(duration: 0.01, segmentSeconds: 4).segmentCount == 1)
        let tail = HLSPlaylist(duration: 16.02, segmentSeconds: 4)
        #expect(tail.segmentCount == 4)
        #expect(abs(tail.length(of: 3) - 4.02) < 1e-9)
        #expect(HLSPlaylist.decimal(0.0415) == "0.042")
        #expect(HLSPlaylist.decimal(12) == "12.000")
    }

    @Test func ffmpegPlaylistListsFinishedSegments() {
        let listing = FFmpegPlaylist(text: """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-MAP:URI="init.mp4"
            #EXTINF:4.000000,
            seg-7.m4s
            #EXTINF:3.960000,
            seg-8.m4s
            #EXTINF:1.0,
            something-else.ts
            """)
        #expect(listing.entries == [.init(name: "seg-7.m4s", number: 7, duration: 4),
                                    .init(name: "seg-8.m4s", number: 8, duration: 3.96)])
        #expect(!listing.ended)
        #expect(FFmpegPlaylist(text: "#EXTINF:2,\nseg-0.m4s\n#EXT-X-ENDLIST\n").ended)
        #expect(FFmpegPlaylist(text: "\u{0}\u{FFFF}#EXTINF:x,\nseg-.m4s").entries.isEmpty)
    }

    @Test func fragmentTimesFromBoxes() {
        func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
            let size = UInt32(8 + payload.count)
            return [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
                + Array(type.utf8) + payload
        }
        func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        let tkhd = box("tkhd", [0, 0, 0, 0] + be32(0) + be32(0) + be32(1) + [UInt8](repeating: 0, count: 60))
        let mdhd = box("mdhd", [0, 0, 0, 0] + be32(0) + be32(0) + be32(12800) + be32(0) + [0, 0, 0, 0])
        let initSegment = box("ftyp", Array("iso5".utf8)) + box("moov", box("trak", tkhd + box("mdia", mdhd)))
        let scales = FragmentTime.timescales(initSegment: initSegment)
        #expect(scales == [1: 12800])
        let tfhd = box("tfhd", [0, 0, 0, 0] + be32(1))
        let tfdt = box("tfdt", [1, 0, 0, 0] + be32(0) + be32(115_200))
        let segment = box("moof", box("mfhd", [0, 0, 0, 0] + be32(3)) + box("traf", tfhd + tfdt)) + box("mdat", [1, 2, 3])
        #expect(FragmentTime.start(segmentHead: segment, timescales: scales) == 9.0)
        // Truncated anywhere, or with lying sizes, it answers nil and reads nothing out of bounds.
        for cut in 0..<segment.count {
            _ = FragmentTime.start(segmentHead: Array(segment.prefix(cut)), timescales: scales)
            _ = FragmentTime.timescales(initSegment: Array(initSegment.prefix(cut)))
        }
        // A box longer than the bytes read (only a file's head is read) is read as far as it goes.
        var longer = segment
        longer[2] = 0xFF
        #expect(FragmentTime.start(segmentHead: longer, timescales: scales) == 9.0)
        var tooShort = segment
        tooShort[3] = 4  // a size smaller than a box header
        #expect(FragmentTime.start(segmentHead: tooShort, timescales: scales) == nil)
        let huge: [UInt8] = [0, 0, 0, 1] + Array("moof".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(FragmentTime.start(segmentHead: huge, timescales: scales) == nil)
    }

    @Test func segmentIndexAnswersSlotsByTime() {
        var index = SegmentIndex()
        index.add(.init(path: "a0", start: 0, end: 4, size: 10))
        index.add(.init(path: "a1", start: 4, end: 8, size: 10))
        index.add(.init(path: "b3", start: 12, end: 16, size: 10))
        #expect(index.segment(containing: 6)?.path == "a1")
        #expect(index.segment(containing: 10) == nil)
        #expect(index.coveredEnd(from: 2) == 8)
        #expect(index.coveredEnd(from: 9) == 9)
        // The same time written again by a later run replaces the earlier file.
        #expect(index.add(.init(path: "c1", start: 4.04, end: 8, size: 10)) == "a1")
        #expect(index.segment(containing: 5)?.path == "c1")
        #expect(index.lastSegment(startingBefore: 100)?.path == "b3")
        // Copied video: a 10 s GOP answers several slots.
        var copied = SegmentIndex()
        copied.add(.init(path: "k0", start: -0.02, end: 10, size: 5))
        #expect(copied.segment(containing: 2)?.path == "k0")
        #expect(copied.segment(containing: 6)?.path == "k0")
        let evicted = index.evict(endingBefore: 9, downTo: 15)
        #expect(evicted.map(\.path) == ["a0", "c1"])
        #expect(index.totalBytes == 10)
    }

    static func arguments(mode: PlaybackMode, burn: Int? = nil, scale: Int? = nil, hardware: Bool = false,
                          codec: String = "hevc") throws -> [String] {
        let media = MediaInfo(formatName: "matroska,webm", container: .matroska, duration: 60, bitRate: nil,
                              size: nil, streams: [MediaStream(index: 0, kind: .video, codec: codec),
                                                   MediaStream(index: 1, kind: .audio, codec: "ac3")], chapters: [])
        let decision = PlaybackDecision(mode: mode, videoStream: 0, audioStream: 1, burnSubtitleStream: burn,
                                        scaleToHeight: scale, reasons: [])
        let encoder = hardware ? VideoEncoder(name: "h264_v4l2m2m", hardware: true, reason: "")
                               : VideoEncoder(name: "libx264", hardware: false, reason: "")
        var settings = TranscodeSettings(workDirectory: "/w")
        settings.segmentSeconds = 4
        return TranscodeArguments(source: try .url("http://127.0.0.1:1/stream/x/0/a.mkv"), decision: decision,
                                  media: media, encoder: encoder, settings: settings)
            .arguments(startSegment: 5, runDirectory: "/w/run-2")
    }

    @Test func transcodeCommandLine() throws {
        let line = try Self.arguments(mode: .fullTranscode, scale: 720).joined(separator: " ")
        #expect(line.contains("-rw_timeout 30000000 -ss 20.000 -i http://127.0.0.1:1/stream/x/0/a.mkv"))
        #expect(line.contains("-map 0:0 -vf scale=-2:720,format=yuv420p"))
        #expect(line.contains("-force_key_frames expr:gte(t,20.000+n_forced*4.000) -c:v libx264 -preset veryfast -tune zerolatency -crf 23"))
        #expect(line.contains("-map 0:1 -c:a aac -ac 2 -b:a 160000"))
        #expect(line.contains("-copyts -avoid_negative_ts disabled -start_at_zero -output_ts_offset 1.000"))
        #expect(line.contains("-hls_segment_type fmp4"))
        #expect(line.contains("-hls_segment_options movflags=+frag_discont"))
        #expect(line.hasSuffix("-hls_segment_filename /w/run-2/seg-%d.m4s -start_number 5 /w/run-2/ffmpeg.m3u8"))
        let hardware = try Self.arguments(mode: .fullTranscode, hardware: true).joined(separator: " ")
        #expect(hardware.contains("-c:v h264_v4l2m2m -b:v 4000000"))
    }

    @Test func copyAndBurnCommandLines() throws {
        let remux = try Self.arguments(mode: .remux).joined(separator: " ")
        #expect(remux.contains("-map 0:0 -c:v copy -tag:v hvc1 -map 0:1 -c:a copy"))
        #expect(!remux.contains("force_key_frames"))
        let audio = try Self.arguments(mode: .audioTranscode, codec: "h264").joined(separator: " ")
        #expect(audio.contains("-map 0:0 -c:v copy -map 0:1 -c:a aac"))
        let burn = try Self.arguments(mode: .fullTranscode, burn: 3, scale: 480)
        let index = try #require(burn.firstIndex(of: "-filter_complex"))
        #expect(burn[index + 1] == "[0:0][0:3]overlay,scale=-2:480,format=yuv420p[v]")
        #expect(burn[index + 2 ... index + 3] == ["-map", "[v]"])
    }
}
