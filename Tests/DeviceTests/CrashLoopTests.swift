import Logging
import TestSupport
import Testing

@testable import Device

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The crash loop guard's decisions and its start record file (format, limits, garbage).
@Suite struct CrashLoopTests {
    static let logger = Logger(label: "crash-loop-test")
    static let boot = "6f1c0e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    static let otherBoot = "0a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b"
    static let thirdBoot = "0a1b2c3d-1111-4e5f-8a9b-0c1d2e3f4a5b"
    static let wall: Int64 = 1_767_225_600  // 2026-01-01

    static func start(_ boot: String = CrashLoopTests.boot, seconds: Int64, wall: Int64 = CrashLoopTests.wall) -> StartRecord.Start {
        StartRecord.Start(bootID: boot, bootMilliseconds: seconds * 1000, wallSeconds: wall + seconds)
    }

    @Test("the Nth start within the window without a clean stop is safe mode; a clean stop clears the record")
    func threshold() throws {
        let directory = try TemporaryDirectory()
        let guardian = CrashLoopGuard(dataDirectory: directory.path + "/data", threshold: 3, window: .seconds(600), logger: Self.logger)
        #expect(guardian.recordStart(now: Self.start(seconds: 10)).safeMode == false)
        #expect(guardian.recordStart(now: Self.start(seconds: 20)).recentStarts == 2)
        let third = guardian.recordStart(now: Self.start(seconds: 30))
        #expect(third.safeMode)
        #expect(third.recentStarts == 3)
        #expect(third.reason?.contains("started 3 times within 10 minutes without a clean stop") == true)
        // Still in a loop at the next start; the record keeps only the last `threshold` starts.
        #expect(guardian.recordStart(now: Self.start(seconds: 40)).safeMode)
        let record = try StartRecord(parsing: try directory.read(guardian.path))
        #expect(record.starts.map(\.bootMilliseconds) == [20_000, 30_000, 40_000])

        guardian.clear(because: "test")
        #expect(try StartRecord(parsing: try directory.read(guardian.path)).starts.isEmpty)
        #expect(guardian.recordStart(now: Self.start(seconds: 50)).safeMode == false)
    }

    @Test("starts older than the window do not count: by the boot clock within a boot, by the wall clock across boots")
    func window() throws {
        let directory = try TemporaryDirectory()
        let guardian = CrashLoopGuard(dataDirectory: directory.path, threshold: 3, window: .seconds(600), logger: Self.logger)
        _ = guardian.recordStart(now: Self.start(seconds: 0))
        _ = guardian.recordStart(now: Self.start(seconds: 100))
        #expect(guardian.recordStart(now: Self.start(seconds: 700)).recentStarts == 2)  // the first is 700 s old

        // Another boot (a watchdog reset) a minute later by the wall clock: the start at 100 s is 660 s old, the one
        // at 700 s recent; and one more reset 40 s later makes three.
        #expect(guardian.recordStart(now: Self.start(Self.otherBoot, seconds: 5, wall: Self.wall + 755)).recentStarts == 2)
        #expect(guardian.recordStart(now: Self.start(Self.thirdBoot, seconds: 5, wall: Self.wall + 795)).safeMode)

        // Another boot an hour later: nothing recent.
        let later = Self.start(Self.boot, seconds: 5, wall: Self.wall + 5000)
        #expect(guardian.recordStart(now: later).recentStarts == 1)
    }

    @Test("across boots with an unset wall clock (a Pi without RTC before NTP), earlier starts count as recent")
    func unsetClock() throws {
        let directory = try TemporaryDirectory()
        let guardian = CrashLoopGuard(dataDirectory: directory.path, threshold: 2, window: .seconds(600), logger: Self.logger)
        _ = guardian.recordStart(now: StartRecord.Start(bootID: Self.boot, bootMilliseconds: 9000, wallSeconds: 9))
        let verdict = guardian.recordStart(now: StartRecord.Start(bootID: Self.otherBoot, bootMilliseconds: 9000, wallSeconds: 12))
        #expect(verdict.safeMode)
    }

    @Test("an unreadable record is reported and started afresh, never a reason for safe mode")
    func damagedRecord() throws {
        let directory = try TemporaryDirectory()
        mkdir(directory.path + "/device", 0o755)
        try directory.write("device/starts", Array("rill-starts 1\nstart zz 1 2\n".utf8))
        let guardian = CrashLoopGuard(dataDirectory: directory.path, threshold: 2, window: .seconds(600), logger: Self.logger)
        let verdict = guardian.recordStart(now: Self.start(seconds: 1))
        #expect(!verdict.safeMode)
        #expect(verdict.problem?.contains("line 2: not a boot id") == true)
        #expect(try StartRecord(parsing: try directory.read(guardian.path)).starts.count == 1)
    }

    @Test("a data directory on a read-only file system (a card the kernel remounted) means safe mode: starts cannot be counted",
          .enabled(if: geteuid() == 0, "mounting needs root"))
    func readOnlyDataDirectory() throws {
        let directory = try TemporaryDirectory()
        let data = directory.path + "/data"
        mkdir(data, 0o755)
        guard mount("tmpfs", data, "tmpfs", UInt(MS_RDONLY), "size=1m") == 0 else {
            Issue.record("cannot mount a read-only tmpfs: errno \(errno)")
            return
        }
        defer { umount2(data, Int32(MNT_DETACH)) }
        let guardian = CrashLoopGuard(dataDirectory: data, threshold: 5, window: .seconds(600), logger: Self.logger)
        let verdict = guardian.recordStart(now: Self.start(seconds: 1))
        #expect(verdict.safeMode)
        #expect(verdict.reason?.contains("the data directory cannot be written") == true, "\(String(describing: verdict.reason))")
        #expect(verdict.problem?.contains("Read-only file system") == true, "\(String(describing: verdict.problem))")
    }

    @Test("the record format: round trip, and garbage refused with the line")
    func format() throws {
        let record = StartRecord(starts: [Self.start(seconds: 1), Self.start(Self.otherBoot, seconds: 2)])
        #expect(try StartRecord(parsing: record.encoded) == record)
        #expect(String(decoding: StartRecord().encoded, as: UTF8.self) == "rill-starts 1\n")
        let cases: [(String, Int)] = [
            ("", 0),
            ("rill-starts 1", 0),
            ("rill-starts 2\n", 1),
            ("rill-starts 1\nstart \(Self.boot) 1\n", 2),
            ("rill-starts 1\nstart \(Self.boot) 01 2\n", 2),
            ("rill-starts 1\nstart \(Self.boot) -1 2\n", 2),
            ("rill-starts 1\nstart \(Self.boot) 1 2 \n", 2),
            ("rill-starts 1\n\n", 2),
            ("rill-starts 1\nstart \(Self.boot) 1 2\nbegin \(Self.boot) 1 2\n", 3),
            ("rill-starts 1\nstart \(Self.boot.uppercased()) 1 2\n", 2),
            ("rill-starts 1\nstart \(Self.boot) 9999999999999999 2\n", 2),
        ]
        for (text, line) in cases {
            #expect(throws: StartRecordError.self) { try StartRecord(parsing: Array(text.utf8)) }
            do {
                _ = try StartRecord(parsing: Array(text.utf8))
            } catch {
                #expect(error.line == line, "\(text.debugDescription): \(error)")
            }
        }
        let tooMany = "rill-starts 1\n" + String(repeating: "start \(Self.boot) 1 2\n", count: 101)
        #expect(throws: StartRecordError.self) { try StartRecord(parsing: Array(tooMany.utf8)) }
        #expect(throws: StartRecordError.self) { try StartRecord(parsing: [UInt8](repeating: 0x41, count: 9000)) }
        var generator = SplitMix64(seed: 6)
        for _ in 0..<2000 {
            let bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? StartRecord(parsing: bytes)
        }
    }

    @Test("this start's facts come from the kernel: a boot id and the boot clock")
    func now() {
        let now = CrashLoopGuard.now()
        #expect(StartRecord.isBootID(now.bootID))
        #expect(now.bootID != "00000000-0000-0000-0000-000000000000")
        #expect(now.bootMilliseconds > 0)
    }
}
