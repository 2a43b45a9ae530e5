import CCurl

/// libcurl's process-wide initialisation, done exactly once before the first transfer.
///
/// `curl_global_init` is not thread-safe against other libcurl calls, and `curl_easy_init` would call it
/// implicitly (and racily) when nobody has. A `static let` is initialised exactly once, under a lock, by the
/// Swift runtime; every transfer reads it first.
enum CurlGlobal {
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// `nil` when libcurl is ready, else its message.
    static var failure: String? {
        initResult == CURLE_OK ? nil : String(cString: curl_easy_strerror(initResult))
    }
}
