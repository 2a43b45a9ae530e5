import Foundation

/// Talks to a rill daemon's HTTP API from inside a namespace (the "LAN" side), with curl run there.
struct RillAPI {
    let namespace: NetworkNamespace
    /// `http://HOST:PORT`
    let base: String

    struct Reply {
        let status: Int
        let body: String

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:] }
    }

    /// `METHOD path` with an optional body file and content type; never throws for HTTP errors.
    func request(_ method: String, _ path: String, bodyFile: String? = nil, contentType: String? = nil) throws -> Reply {
        var arguments = ["curl", "-s", "-m", "20", "-X", method, "-w", "\n%{http_code}"]
        if let bodyFile { arguments += ["--data-binary", "@\(bodyFile)"] }
        if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
        let output = try Command.run(namespace.exec(arguments + [base + path]), allowFailure: true)
        let status = Int(output.split(separator: "\n").last ?? "") ?? 0
        let body = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().joined(separator: "\n")
        return Reply(status: status, body: body)
    }

    func get(_ path: String) throws -> Reply { try request("GET", path) }

    /// GETs `path` every 50 ms until `condition` holds for the JSON body; returns that body or `nil` on time-out.
    func waitFor(_ path: String, timeout: Duration = .seconds(10), _ condition: ([String: Any]) -> Bool) async throws -> [String: Any]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let reply = try get(path)
            if reply.status == 200, condition(reply.json) { return reply.json }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}

/// CLOCK_MONOTONIC and CLOCK_REALTIME in seconds: the daemon reports the first, tcpdump stamps with the second.
enum Clocks {
    static func monotonic() -> Double { read(CLOCK_MONOTONIC) }
    static func realtime() -> Double { read(CLOCK_REALTIME) }

    private static func read(_ clock: clockid_t) -> Double {
        var now = timespec()
        clock_gettime(clock, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
