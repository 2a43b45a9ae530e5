#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// Decides at start-up whether the daemon is in a crash loop, from the `StartRecord` in the data directory.
///
/// Each start is appended to the record (one durable write). When this start makes `threshold` starts within
/// `window` with no clean stop and no long enough run in between, the daemon starts in safe mode: web UI and status
/// only, no engine, LED "error" — instead of thrashing the card with restarts that crash again. `clear()` empties
/// the record (one durable write): the daemon calls it on a clean stop and once a run has lasted `window`.
///
/// Times: two starts of the same boot are compared on the boot clock. Starts of different boots (a watchdog reset
/// reboots) are compared on the wall clock when both readings are plausible (after 2024); when the wall clock cannot
/// be trusted, the older start counts as recent, so a loop of resets before the clock is set is still caught.
public final class CrashLoopGuard: Sendable {
    /// What the guard decided about this start.
    public struct Verdict: Sendable, Equatable {
        /// Start in safe mode.
        public let safeMode: Bool
        /// Starts within the window without a clean stop, this one included.
        public let recentStarts: Int
        /// Why safe mode, for `/api/v1/status` and the log; nil when not in safe mode.
        public let reason: String?
        /// A record that could not be read or written (the decision was made without it, or not kept).
        public let problem: String?
    }

    public let path: String
    public let threshold: Int
    public let window: Duration
    private let logger: Logger

    /// The record lives at `<dataDirectory>/device/starts`.
    public init(dataDirectory: String, threshold: Int, window: Duration, logger: Logger) {
        self.path = dataDirectory + "/device/starts"
        self.threshold = threshold
        self.window = window
        self.logger = logger
    }

    /// Records this start and decides whether it is in a crash loop.
    public func recordStart(now: StartRecord.Start = CrashLoopGuard.now()) -> Verdict {
        var problem: String?
        var record = StartRecord()
        do {
            if let bytes = try DurableFile.read(path, limit: StartRecord.maxBytes) {
                record = try StartRecord(parsing: bytes)
            }
        } catch {
            problem = "the start record was unreadable and is started afresh: \(error)"
            logger.error("crash loop record unreadable", metadata: ["path": "\(path)", "error": "\(error)"])
        }
        let limit = window.seconds
        let recent = record.starts.filter { Self.isRecent($0, now: now, window: limit) }
        let kept = Array((recent + [now]).suffix(threshold))
        do {
            try Self.ensureFolder(of: path)
            try DurableFile.write(StartRecord(starts: kept).encoded, to: path)
        } catch {
            problem = "the start record cannot be written: \(error)"
            logger.error("crash loop record not written", metadata: ["path": "\(path)", "error": "\(error)"])
            // A data disk that turned read-only or fails I/O cannot count starts, so a loop of resets would never be
            // seen: such a disk is reason enough for safe mode (a full disk is not: the engine may free it).
            if error.errno == EROFS || error.errno == EIO {
                let reason = "safe mode: the data directory cannot be written (\(error)); the engine and transcoding are not started"
                logger.critical("data directory not writable: starting in safe mode", metadata: ["error": "\(error)"])
                return Verdict(safeMode: true, recentStarts: recent.count + 1, reason: reason, problem: problem)
            }
        }
        let count = recent.count + 1
        guard count >= threshold else {
            return Verdict(safeMode: false, recentStarts: count, reason: nil, problem: problem)
        }
        let minutes = Int(limit / 60)
        let reason = "safe mode: rill started \(count) times within \(minutes) minutes without a clean stop (crash loop); "
            + "the engine and transcoding are not started. A clean stop, or \(minutes) minutes of running, ends it at the next start."
        logger.critical("crash loop detected: starting in safe mode", metadata: ["starts": "\(count)", "minutes": "\(minutes)"])
        return Verdict(safeMode: true, recentStarts: count, reason: reason, problem: problem)
    }

    /// Forgets the recorded starts (a clean stop, or a run that lasted the window). Writes nothing when the record is
    /// already empty.
    public func clear(because why: String) {
        if let bytes = try? DurableFile.read(path, limit: StartRecord.maxBytes), bytes == StartRecord().encoded { return }
        do {
            try Self.ensureFolder(of: path)
            try DurableFile.write(StartRecord().encoded, to: path)
            logger.info("crash loop record cleared", metadata: ["because": "\(why)"])
        } catch {
            logger.error("crash loop record not cleared", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// This start, by the kernel's boot id, boot clock and wall clock.
    public static func now() -> StartRecord.Start {
        let bootID = SystemFacts.readSmallFile("/proc/sys/kernel/random/boot_id")?
            .trimmingSuffix { $0 == "\n" } ?? ""
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        return StartRecord.Start(
            bootID: StartRecord.isBootID(bootID) ? bootID : "00000000-0000-0000-0000-000000000000",
            bootMilliseconds: Int64(boot.tv_sec) * 1000 + Int64(boot.tv_nsec) / 1_000_000,
            wallSeconds: Int64(time(nil))
        )
    }

    /// 2024-01-01: a wall clock before this has not been set since the board booted.
    static let plausibleWallSeconds: Int64 = 1_704_067_200

    static func isRecent(_ start: StartRecord.Start, now: StartRecord.Start, window: Double) -> Bool {
        if start.bootID == now.bootID {
            let age = Double(now.bootMilliseconds - start.bootMilliseconds) / 1000
            return age >= 0 && age <= window
        }
        guard start.wallSeconds >= plausibleWallSeconds, now.wallSeconds >= plausibleWallSeconds,
              now.wallSeconds >= start.wallSeconds else { return true }
        return Double(now.wallSeconds - start.wallSeconds) <= window
    }

    /// Makes the folder holding `path` and any missing parents (the data directory may not exist before the
    /// first start opened the store).
    private static func ensureFolder(of path: String) throws(OTAFileError) {
        try DataFolder.make(DurableFile.parentFolder(of: path))
    }
}

extension String {
    /// The string without the trailing characters that match `predicate`.
    func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var result = Substring(self)
        while let last = result.last, predicate(last) { result = result.dropLast() }
        return String(result)
    }
}
