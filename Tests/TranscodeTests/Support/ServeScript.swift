/// The HTTP file server the Transcode tests start (python3): GET and HEAD with single byte ranges, optionally
/// slowed to a rate in bytes per second so ffmpeg stays busy reading. Kept as text so the test target has no
/// resource files. Usage: `serve.py DIRECTORY PORT [RATE]`.
enum ServeScript {
    static let text = #"""
# A small HTTP file server for the Transcode tests: GET and HEAD with single byte ranges, optionally slowed to
# RATE bytes per second (to keep ffmpeg busy reading). Usage: serve.py DIRECTORY PORT [RATE]
import http.server, os, sys, time

directory, port = sys.argv[1], int(sys.argv[2])
rate = int(sys.argv[3]) if len(sys.argv) > 3 else 0

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.respond(body=False)

    def do_GET(self):
        self.respond(body=True)

    def respond(self, body):
        path = os.path.join(directory, os.path.basename(self.path.split("?")[0]))
        if not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        size = os.path.getsize(path)
        start, end = 0, size - 1
        ranged = self.headers.get("Range", "").startswith("bytes=")
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
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        if ranged:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        if not body:
            return
        with open(path, "rb") as f:
            f.seek(start)
            left = end - start + 1
            chunk = 16384 if not rate else max(1024, rate // 10)
            try:
                while left > 0:
                    data = f.read(min(chunk, left))
                    if not data:
                        break
                    self.wfile.write(data)
                    left -= len(data)
                    if rate:
                        time.sleep(len(data) / rate)
            except (BrokenPipeError, ConnectionResetError):
                pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("listening", flush=True)
server.serve_forever()
"""#
}
