"""image/test/serve.py — serves one folder over HTTP for a QEMU guest's URL installs (ci/ota-test).

  python3 image/test/serve.py --dir DIR --port P [--rate BYTES_PER_SECOND]

GET and HEAD with a single `Range: bytes=N-` or `bytes=N-M` (206), else the whole file (200); --rate paces the
body (so a test can cut the power while a download is in flight). Listens on 127.0.0.1 (QEMU's user network
reaches it as 10.0.2.2). Prints "ready" once listening. Only plain file names in DIR are served.
"""
import argparse
import http.server
import os
import re
import time


def handler(root, rate):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            print("serve: " + fmt % args, flush=True)

        def do_HEAD(self):
            self.serve(body=False)

        def do_GET(self):
            self.serve(body=True)

        def serve(self, body):
            name = self.path.split("?", 1)[0].lstrip("/")
            path = os.path.join(root, name)
            if "/" in name or not name or not os.path.isfile(path):
                self.send_error(404)
                return
            size = os.path.getsize(path)
            start, end, status = 0, size - 1, 200
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if match:
                start = int(match.group(1))
                end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
                if start >= size or start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % size)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
            self.send_response(status)
            self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
            self.end_headers()
            if not body:
                return
            chunk = 64 * 1024
            began, sent = time.monotonic(), 0
            with open(path, "rb") as handle:
                handle.seek(start)
                left = end - start + 1
                while left > 0:
                    data = handle.read(min(chunk, left))
                    if not data:
                        break
                    try:
                        self.wfile.write(data)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    left -= len(data)
                    sent += len(data)
                    if rate:
                        ahead = sent / rate - (time.monotonic() - began)
                        if ahead > 0:
                            time.sleep(ahead)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=int, default=0)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler(os.path.abspath(args.dir), args.rate))
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
