import Bencode
import Crypto
import Foundation
import TestSupport
import Testing

/// `rill fetch` as a process: seeding with `--seed`, and surviving kill -9 in the middle of a download.
@Suite("rill fetch: kill -9 and resume", .serialized)
struct FetchResumeTests {
    /// Writes `size` pseudo-random bytes as `name` under `folder` and the .torrent for it; returns the torrent's path.
    static func makeTorrent(in folder: String, name: String, size: Int, pieceLength: Int) throws -> (torrent: String, data: Data) {
        var generator = SplitMix64(seed: 99)
        var data = Data(capacity: size)
        while data.count < size {
            var word = generator.next()
            withUnsafeBytes(of: &word) { data.append(contentsOf: $0.prefix(size - data.count)) }
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: folder + "/" + name))
        var hashes: [UInt8] = []
        var start = 0
        while start < size {
            hashes += Array(Insecure.SHA1.hash(data: data[start..<min(size, start + pieceLength)]))
            start += pieceLength
        }
        let info: BencodeDictionary = [
            "name": .bytes(Array(name.utf8)), "length": .integer(Int64(size)),
            "piece length": .integer(Int64(pieceLength)), "pieces": .bytes(hashes),
        ]
        let path = folder + "/../" + name + ".torrent"
        try Data(BencodeEncoder().encode(.dictionary(["info": .dictionary(info)]))).write(to: URL(fileURLWithPath: path))
        return (path, data)
    }

    @Test("kill -9 mid-download, then the same command again: it resumes, keeps verified pieces, ends verified")
    func killNineThenResume() throws {
        let directory = try TemporaryDirectory()
        let size = 12 << 20
        let (torrent, data) = try Self.makeTorrent(in: directory.path + "/seed", name: "film.bin", size: size, pieceLength: 256 << 10)

        // A seeder limited to 3 MiB/s, so the download takes about four seconds.
        let seeder = try RillProcess(
            arguments: ["fetch", torrent, "--out", directory.path + "/seed", "--seed", "--upload-limit", "\(3 << 20)"],
            workingDirectory: directory.path
        )
        defer { _ = seeder.stop() }
        let line = try seeder.waitForLog(#"seeding on port \d+"#)
        let port = line.split(separator: " ").last.map(String.init) ?? ""
        let leech = directory.path + "/leech"
        let arguments = ["fetch", torrent, "--out", leech, "--peer", "127.0.0.1:\(port)"]

        let first = try RillProcess(arguments: arguments, workingDirectory: directory.path)
        try first.waitForLog(#"downloading [1-9][0-9]?\.[0-9]%"#, timeout: 20)
        usleep(700_000)
        #expect(first.stop(with: SIGKILL).status != 0)
        let partial = (try? FileManager.default.attributesOfItem(atPath: leech + "/film.bin")[.size] as? Int) ?? 0
        #expect(partial == size)  // created sparse at full length

        let second = try RillProcess(arguments: arguments, workingDirectory: directory.path)
        let summary = try second.waitForLog(#"complete: .*"#, timeout: 30)
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0)
        let downloaded = Int(summary.components(separatedBy: " bytes downloaded").first?.split(separator: " ").last ?? "") ?? size
        #expect(downloaded < size - (1 << 20), "the second run downloaded \(downloaded) of \(size) bytes: verified pieces were fetched again")
        #expect(try Data(contentsOf: URL(fileURLWithPath: leech + "/film.bin")) == data)
        #expect(second.log.contains("0 hash failures"))
    }

    @Test("SIGTERM stops rill fetch within 5 s even while its only tracker does not answer")
    func sigtermWithADeadTracker() throws {
        let directory = try TemporaryDirectory()
        let (torrent, _) = try Self.makeTorrent(in: directory.path + "/seed", name: "x.bin", size: 1 << 20, pieceLength: 1 << 18)
        // Point the torrent at a UDP tracker nobody answers (discard port), as after a VPN provider's tracker died.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: torrent))
        bytes.replaceSubrange(0..<1, with: Data("d8:announce26:udp://127.0.0.1:9/announce".utf8))
        try bytes.write(to: URL(fileURLWithPath: torrent))
        let rill = try RillProcess(arguments: ["fetch", torrent, "--out", directory.path + "/leech"], workingDirectory: directory.path)
        try rill.waitForLog("downloading", timeout: 10)
        let stopped = rill.stop(with: SIGTERM, timeout: 5)
        #expect(stopped.status == 130 && stopped.seconds < 5, "exit \(stopped.status) after \(stopped.seconds) s")
        #expect(rill.log.contains("interrupted"))
    }
}
