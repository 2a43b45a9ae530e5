import CCurl

/// One GET through libcurl, as a script or Sonarr would call Rill: status code (0 for file:// URLs) and body.
public func curlGet(_ url: String) -> (status: Int, body: String)? {
    guard let handle = curl_easy_init() else { return nil }
    defer { curl_easy_cleanup(handle) }
    final class Sink { var bytes: [UInt8] = [] }
    let sink = Sink()
    rill_curl_set_string(handle, CURLOPT_URL, url)
    rill_curl_set_long(handle, CURLOPT_TIMEOUT, 10)
    rill_curl_set_write_function(handle) { data, size, count, context in
        guard let data, let context else { return 0 }
        Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().bytes
            .append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
        return size * count
    }
    rill_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
    guard curl_easy_perform(handle) == CURLE_OK else { return nil }
    var status = 0
    rill_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
    return (status, String(decoding: sink.bytes, as: UTF8.self))
}

/// ``curlGet(_:)`` on a thread of its own (see ``offPool(_:)``): for async tests.
public func curlGetOffPool(_ url: String) async -> (status: Int, body: String)? {
    let result = await offPool { curlGet(url).map { CurlResult(status: $0.status, body: $0.body) } }
    return result.map { ($0.status, $0.body) }
}

private struct CurlResult: Sendable {
    let status: Int
    let body: String
}
