import Foundation

/// An HTTP file server (python3) for download tests: GET with single byte ranges, optionally slowed to a rate,
/// optionally cutting the first connections short, optionally ignoring ranges. It picks a free port and prints
/// `listening PORT`; every request is logged to stdout as `GET /name range=bytes=N-` (or `range=none`).
///
/// Usage: `range_server.py DIRECTORY [--rate BYTES_PER_S] [--drop-after BYTES] [--drops N] [--no-ranges]`.
/// `--drop-after B --drops N`: the first N responses stop after B bytes of body (the connection is closed, so the
/// client sees a short body despite the full Content-Length).
public final class RangeFileServer {
    public let process: ManagedProcess
    public let port: Int

    public init(directory: String, logDirectory: String, arguments: [String] = []) async throws {
        let script = logDirectory + "/range_server.py"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        process = try ManagedProcess(
            name: "range-server", executable: "/usr/bin/python3", arguments: [script, directory] + arguments,
            logDirectory: logDirectory
        )
        let line = try await process.waitForLine(startingWith: "listening ", timeout: .seconds(20))
        port = Int(line.dropFirst("listening ".count)) ?? 0
    }

    /// The logged requests (`GET /name range=...`).
    public var requests: [String] {
        process.output.split(separator: "\n").filter { $0.hasPrefix("GET ") }.map(String.init)
    }

    public func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    public func stop() async { _ = await process.stop() }

    static let script = #"""
import http.server, os, sys, time, threading

directory = sys.argv[1]
args = sys.argv[2:]
def option(name, default):
    return int(args[args.index(name) + 1]) if name in args else default
rate = option("--rate", 0)
drop_after = option("--drop-after", -1)
drops = [option("--drops", 1 if drop_after >= 0 else 0)]
ranges = "--no-ranges" not in args
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        print("GET %s range=%s" % (self.path, self.headers.get("Range", "none")), flush=True)
        path = os.path.join(directory, os.path.basename(self.path.split("?")[0]))
        if not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        size = os.path.getsize(path)
        start, end = 0, size - 1
        ranged = ranges and self.headers.get("Range", "").startswith("bytes=")
        if ranged:
            first, _, last = self.headers["Range"][6:].partition("-")
            start = int(first) if first else max(0, size - int(last))
            end = int(last) if first and last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(206 if ranged else 200)
        if ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        if ranged:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        with lock:
            cut = drop_after if drops[0] > 0 else -1
            if drops[0] > 0:
                drops[0] -= 1
        sent = 0
        with open(path, "rb") as f:
            f.seek(start)
            left = end - start + 1
            chunk = 65536 if not rate else max(1024, rate // 20)
            try:
                while left > 0:
                    want = min(chunk, left)
                    if cut >= 0:
                        want = min(want, cut - sent)
                        if want <= 0:
                            break
                    data = f.read(want)
                    if not data:
                        break
                    self.wfile.write(data)
                    self.wfile.flush()
                    sent += len(data)
                    left -= len(data)
                    if rate:
                        time.sleep(len(data) / rate)
            except (BrokenPipeError, ConnectionResetError):
                return
        if cut >= 0 and left > 0:
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("listening %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
}
