import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Downloads a bundle with libcurl straight into an `InstallJob`: each received chunk is verified and written into
/// the inactive slot inside libcurl's write callback, so memory is libcurl's receive buffer and nothing more, and a
/// slow card slows the download (back-pressure through TCP).
///
/// Contract:
/// - `http` and `https` only (redirects too, at most 5); proxies from the environment are ignored: this runs over
///   the LAN, not the VPN.
/// - A dropped or stalled connection (`stallSeconds` without a byte) is resumed with an HTTP range from the first
///   byte not yet taken, up to `attempts` connections in all, waiting 1 s, 2 s, 4 s ... (at most 30 s) in between.
///   A server that ignores ranges is read again from the start, skipping what was taken. HTTP 4xx (but 408 and 429)
///   and a refused bundle end the download at once.
/// - The announced length (`Content-Length`) goes to the job before the first byte, so a short file is refused
///   before any slot byte is written.
/// - `run` blocks its thread; `InstallJob.cancel()` stops it within about a second.
struct BundleDownload {
    /// Longest URL taken.
    static let maxURLBytes = 2048

    let url: String
    let settings: DownloadSettings
    let maxBytes: Int

    /// Checks `text` is a URL Rill downloads from.
    static func validate(_ text: String) throws(UpdateError) {
        guard text.utf8.count <= maxURLBytes else { throw .invalidURL("longer than \(maxURLBytes) bytes") }
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else { throw .invalidURL("only http:// and https:// URLs") }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw .invalidURL("spaces and control characters are not allowed")
        }
        guard text.split(separator: "/", omittingEmptySubsequences: false).count >= 3,
              !text.split(separator: "/", omittingEmptySubsequences: false)[2].isEmpty else {
            throw .invalidURL("no host")
        }
    }

    /// `text` without user, password, query or fragment, for the progress and the log (they may hold a token).
    static func redacted(_ text: String) -> String {
        var rest = Substring(text)
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        let parts = rest.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // scheme: / (empty) / authority / path
        guard parts.count >= 3, parts[0].hasSuffix(":"), parts[1].isEmpty else { return String(rest) }
        let authority = parts[2]
        let host = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        return "\(parts[0])//\(host)" + (parts.count > 3 ? "/\(parts[3])" : "")
    }

    /// Downloads the whole bundle into `job`; returns when every byte went through it.
    func run(into job: InstallJob, progress: ProgressBox) throws(UpdateError) {
        if let failure = DownloadCurl.globalFailure { throw .download("curl_global_init: \(failure)") }
        var delay = settings.retryDelayMilliseconds
        var ignoreRanges = false
        var lastProblem = "no attempt"
        for attempt in 1...max(1, settings.attempts) {
            progress.update { $0.attempts = attempt }
            let start = job.bytesConsumed
            let result = transfer(into: job, from: start, useRange: !ignoreRanges)
            switch result {
            case .complete:
                return
            case .failed(let error):
                throw error
            case .retry(let problem):
                lastProblem = problem
            case .rangeRefused:
                ignoreRanges = true
                lastProblem = "the server does not take ranges"
            }
            if job.isCancelled { throw .interrupted("the daemon is shutting down") }
            guard attempt < settings.attempts else { break }
            guard pause(milliseconds: delay, job: job) else { throw .interrupted("the daemon is shutting down") }
            delay = min(delay * 2, 30_000)
        }
        throw .download("\(lastProblem) (after \(settings.attempts) attempts)")
    }

    /// What one connection achieved.
    private enum Attempt {
        /// The bundle went through completely.
        case complete
        /// The download cannot succeed (a refused bundle, HTTP 404, a bad URL).
        case failed(UpdateError)
        /// The connection broke; try again from where it stopped.
        case retry(String)
        /// The server refused the range request; try again from the start.
        case rangeRefused
    }

    /// State the libcurl callbacks share during one transfer.
    private final class Context {
        let job: InstallJob
        /// Bytes of this response to skip (a server that ignored the range sent the bundle from its start).
        var skip: Int
        let resumeFrom: Int
        var started = false
        var error: UpdateError?
        let handle: UnsafeMutableRawPointer

        init(job: InstallJob, skip: Int, resumeFrom: Int, handle: UnsafeMutableRawPointer) {
            self.job = job
            self.skip = skip
            self.resumeFrom = resumeFrom
            self.handle = handle
        }

        /// Called with the first body bytes: the response's length is known now.
        func begin() throws(UpdateError) {
            started = true
            var length: curl_off_t = -1
            rill_curl_get_offset(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
            guard length >= 0 else { return }
            let total = Int(length) + resumeFrom
            if job.bytesConsumed == 0, skip == 0 {
                try job.announce(length: total)
            } else if let expected = job.expectedLength, expected != total {
                throw .download("the file changed on the server: it is \(total) bytes now, the bundle \(expected)")
            }
        }

        func take(_ bytes: UnsafeRawBufferPointer) throws(UpdateError) {
            if !started { try begin() }
            var rest = bytes
            if skip > 0 {
                let dropped = min(skip, rest.count)
                skip -= dropped
                rest = UnsafeRawBufferPointer(rebasing: rest[dropped...])
            }
            if !rest.isEmpty { try job.consume(rest) }
        }
    }

    private func transfer(into job: InstallJob, from offset: Int, useRange: Bool) -> Attempt {
        guard let handle = curl_easy_init() else { return .retry("curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        let context = Context(job: job, skip: useRange ? 0 : offset, resumeFrom: useRange ? offset : 0, handle: handle)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = withExtendedLifetime(context) {
            errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
                var setupFailure = CURLE_OK
                func check(_ result: CURLcode) { if setupFailure == CURLE_OK, result != CURLE_OK { setupFailure = result } }
                check(rill_curl_set_string(handle, CURLOPT_URL, url))
                check(rill_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
                check(rill_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
                check(rill_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
                check(rill_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1))
                check(rill_curl_set_long(handle, CURLOPT_MAXREDIRS, 5))
                check(rill_curl_set_string(handle, CURLOPT_PROXY, ""))
                check(rill_curl_set_long(handle, CURLOPT_FAILONERROR, 1))
                check(rill_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, settings.connectTimeoutSeconds))
                check(rill_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
                check(rill_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, settings.stallSeconds))
                check(rill_curl_set_long(handle, CURLOPT_BUFFERSIZE, 128 * 1024))
                check(rill_curl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBytes)))
                check(rill_curl_set_string(handle, CURLOPT_USERAGENT, "Rill/\(RillVersion.current)"))
                if context.resumeFrom > 0 {
                    check(rill_curl_set_offset(handle, CURLOPT_RESUME_FROM_LARGE, curl_off_t(context.resumeFrom)))
                }
                check(rill_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress))
                let opaque = Unmanaged.passUnretained(context).toOpaque()
                check(rill_curl_set_write_function(handle) { data, size, count, opaque in
                    guard let data, let opaque else { return 0 }
                    let context = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue()
                    do throws(UpdateError) {
                        try context.take(UnsafeRawBufferPointer(start: data, count: size * count))
                        return size * count
                    } catch {
                        context.error = error
                        return 0
                    }
                })
                check(rill_curl_set_pointer(handle, CURLOPT_WRITEDATA, opaque))
                check(rill_curl_set_long(handle, CURLOPT_NOPROGRESS, 0))
                check(rill_curl_set_xferinfo_function(handle) { opaque, _, _, _, _ in
                    guard let opaque else { return 0 }
                    return Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue().job.isCancelled ? 1 : 0
                })
                check(rill_curl_set_pointer(handle, CURLOPT_XFERINFODATA, opaque))
                guard setupFailure == CURLE_OK else { return setupFailure }
                return curl_easy_perform(handle)
            }
        }

        if let error = context.error { return .failed(error) }
        if job.isCancelled { return .failed(.interrupted("the daemon is shutting down")) }
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let summary = String(cString: curl_easy_strerror(code))
        let problem = detail.isEmpty ? summary : "\(summary): \(detail)"
        switch code {
        case CURLE_OK:
            // A close-delimited body can end "cleanly" in the middle: only a complete bundle is complete.
            if let expected = job.expectedLength, job.bytesConsumed == expected { return .complete }
            if job.expectedLength == nil, !context.started, job.bytesConsumed == 0 { return .retry("empty response") }
            return .retry("the connection ended after \(job.bytesConsumed) bytes")
        case CURLE_HTTP_RETURNED_ERROR:
            var status = 0
            rill_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
            if status == 416, context.resumeFrom > 0 { return .rangeRefused }
            if status == 408 || status == 429 || status >= 500 { return .retry("HTTP \(status)") }
            return .failed(.download("HTTP \(status) from \(Self.redacted(url))"))
        case CURLE_RANGE_ERROR:
            return .rangeRefused
        case CURLE_FILESIZE_EXCEEDED:
            return .failed(.tooLarge(limit: maxBytes))
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .failed(.invalidURL(problem))
        case CURLE_TOO_MANY_REDIRECTS:
            return .failed(.download(problem))
        default:
            return .retry(problem)
        }
    }

    /// Waits `milliseconds` unless the job is cancelled meanwhile; false when it was.
    private func pause(milliseconds: Int, job: InstallJob) -> Bool {
        var left = milliseconds
        while left > 0 {
            if job.isCancelled { return false }
            let step = min(left, 100)
            usleep(useconds_t(step * 1000))
            left -= step
        }
        return !job.isCancelled
    }
}

/// libcurl's process-wide initialisation, once, before the first download (`curl_global_init` is ref-counted, so
/// the engine's own initialisation does not conflict with it).
enum DownloadCurl {
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// nil when libcurl is ready, else its message.
    static var globalFailure: String? {
        initResult == CURLE_OK ? nil : String(cString: curl_easy_strerror(initResult))
    }
}
