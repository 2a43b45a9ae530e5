import CCurl
import Synchronization

/// One blocking HTTP(S) GET through a fresh libcurl easy handle, with every setting a tracker announce needs
/// to stay inside the engine's network binding.
///
/// Contract:
/// - libcurl never resolves a name itself: callers pass `resolve` entries (`CURLOPT_RESOLVE`) for every host
///   name, redirects are not followed (the caller follows them after resolving the new host), proxies from the
///   environment are ignored (`CURLOPT_PROXY ""`), and only `http`/`https` are allowed.
/// - The body is collected up to `maxBodySize` bytes (after content decoding); one byte more aborts the
///   transfer with ``CurlFailure/tooLarge``.
/// - ``perform(_:cancellation:)`` blocks the calling thread for up to the request's timeout; setting the
///   cancellation flag aborts it within about a second (libcurl's progress callback interval).
struct CurlTransfer {
    /// What to fetch and how.
    struct Request: Sendable {
        var url: String
        /// `CURLOPT_RESOLVE` entries: `host:port:addr[,addr]`.
        var resolve: [String] = []
        /// `CURLOPT_INTERFACE`: `if!name` or `host!address`, or `nil` for the host's routing.
        var interface: String?
        var ipv4Only = false
        var timeoutMilliseconds: Int
        var connectTimeoutMilliseconds: Int
        var maxBodySize: Int
        var userAgent: String
        var caInfoPath: String?
    }

    /// A finished HTTP exchange (any status).
    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
        /// The `Location` header of a redirect, when there was one.
        var location: String?
    }

    /// Why a transfer produced no response.
    enum CurlFailure: Error, Sendable, Equatable {
        case tooLarge
        case timedOut
        case cancelled
        case failed(String)
    }

    /// Set from any thread to abort the transfer.
    final class Cancellation: Sendable {
        private let flag = Atomic<Bool>(false)
        func cancel() { flag.store(true, ordering: .relaxed) }
        var isCancelled: Bool { flag.load(ordering: .relaxed) }
    }

    /// Callback state shared with libcurl for the duration of one `curl_easy_perform`.
    private final class Sink {
        var body: [UInt8] = []
        let limit: Int
        var overflowed = false
        let cancellation: Cancellation

        init(limit: Int, cancellation: Cancellation) {
            self.limit = limit
            self.cancellation = cancellation
        }
    }

    static func perform(_ request: Request, cancellation: Cancellation) -> Result<Response, CurlFailure> {
        if let failure = CurlGlobal.failure { return .failure(.failed("curl_global_init: \(failure)")) }
        guard let handle = curl_easy_init() else { return .failure(.failed("curl_easy_init failed")) }
        defer { curl_easy_cleanup(handle) }

        var resolveList: UnsafeMutablePointer<curl_slist>?
        for entry in request.resolve { resolveList = curl_slist_append(resolveList, entry) }
        defer { curl_slist_free_all(resolveList) }

        let sink = Sink(limit: request.maxBodySize, cancellation: cancellation)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = withExtendedLifetime(sink) {
            errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
                let context = Unmanaged.passUnretained(sink).toOpaque()
                var setupFailure: CURLcode = CURLE_OK
                func check(_ result: CURLcode) { if setupFailure == CURLE_OK, result != CURLE_OK { setupFailure = result } }

                check(rill_curl_set_string(handle, CURLOPT_URL, request.url))
                check(rill_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
                check(rill_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
                check(rill_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
                check(rill_curl_set_string(handle, CURLOPT_PROXY, ""))
                check(rill_curl_set_long(handle, CURLOPT_TIMEOUT_MS, max(1, request.timeoutMilliseconds)))
                check(rill_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, request.connectTimeoutMilliseconds)))
                check(rill_curl_set_long(handle, CURLOPT_MAXFILESIZE, request.maxBodySize))
                check(rill_curl_set_string(handle, CURLOPT_USERAGENT, request.userAgent))
                check(rill_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, ""))
                if resolveList != nil { check(rill_curl_set_pointer(handle, CURLOPT_RESOLVE, resolveList)) }
                if let interface = request.interface { check(rill_curl_set_string(handle, CURLOPT_INTERFACE, interface)) }
                if request.ipv4Only { check(rill_curl_set_long(handle, CURLOPT_IPRESOLVE, Int(CURL_IPRESOLVE_V4))) }
                if let path = request.caInfoPath { check(rill_curl_set_string(handle, CURLOPT_CAINFO, path)) }
                check(rill_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress))
                check(rill_curl_set_write_function(handle) { data, size, count, context in
                    guard let data, let context else { return 0 }
                    let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                    let length = size * count
                    if sink.cancellation.isCancelled { return 0 }
                    guard sink.body.count + length <= sink.limit else {
                        sink.overflowed = true
                        return 0
                    }
                    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
                    return length
                })
                check(rill_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
                check(rill_curl_set_long(handle, CURLOPT_NOPROGRESS, 0))
                check(rill_curl_set_xferinfo_function(handle) { context, _, _, _, _ in
                    guard let context else { return 0 }
                    return Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().cancellation.isCancelled ? 1 : 0
                })
                check(rill_curl_set_pointer(handle, CURLOPT_XFERINFODATA, context))
                guard setupFailure == CURLE_OK else { return setupFailure }
                if cancellation.isCancelled { return CURLE_ABORTED_BY_CALLBACK }
                return curl_easy_perform(handle)
            }
        }

        if sink.overflowed || code == CURLE_FILESIZE_EXCEEDED { return .failure(.tooLarge) }
        if cancellation.isCancelled { return .failure(.cancelled) }
        if code == CURLE_OPERATION_TIMEDOUT { return .failure(.timedOut) }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let summary = String(cString: curl_easy_strerror(code))
            return .failure(.failed(detail.isEmpty ? summary : "\(summary): \(detail)"))
        }
        var status = 0
        rill_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(Response(status: status, body: sink.body, location: (300..<400).contains(status) ? location(handle) : nil))
    }

    /// The last response's `Location` header.
    private static func location(_ handle: UnsafeMutableRawPointer) -> String? {
        var header: UnsafeMutablePointer<curl_header>?
        guard curl_easy_header(handle, "Location", 0, UInt32(CURLH_HEADER), -1, &header) == CURLHE_OK,
              let value = header?.pointee.value else { return nil }
        let text = String(cString: value)
        return text.utf8.count <= TrackerURL.maxLength ? text : nil
    }
}
