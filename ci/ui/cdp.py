"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (standard library only).

Chromium reads NUL-terminated JSON commands on fd 3 and writes NUL-terminated JSON replies and events on fd 4.
One page target is attached in flat mode; events are queued until someone waits for them.
"""
import base64
import json
import os
import select
import subprocess
import tempfile
import time


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, chromium="chromium", log_path=None):
        self.profile = tempfile.mkdtemp(prefix="rill-ui-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        args = [
            chromium, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
            "--autoplay-policy=no-user-gesture-required", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--password-store=basic", "--use-mock-keychain",
            "--user-data-dir=" + self.profile, "about:blank",
        ]
        log = open(log_path or os.devnull, "wb")

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=fds, pass_fds=(3, 4), close_fds=True)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []
        self.session = None
        self.dialogs = 0

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        subprocess.run(["rm", "-rf", self.profile])

    def _read_message(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise CDPError("chromium closed the pipe (exit %s)" % self.process.poll())
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=True, timeout=30):
        self._next_id += 1
        expected = self._next_id
        message = {"id": expected, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(max(0.01, deadline - time.monotonic()))
            if reply is None:
                raise CDPError("no answer to %s within %s s" % (method, timeout))
            if reply.get("id") == expected:
                if "error" in reply:
                    raise CDPError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self._event(reply)

    def _event(self, message):
        if message.get("method") == "Page.javascriptDialogOpening":
            # Confirmations on forms: accept them (a person tapping OK).
            self.dialogs += 1
            self._next_id += 1
            os.write(self._to_chrome, json.dumps({"id": self._next_id, "method": "Page.handleJavaScriptDialog",
                                                  "params": {"accept": True}, "sessionId": self.session}).encode() + b"\0")
            return
        if "method" in message:
            self.events.append(message)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method:
                    return self.events.pop(index)
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("no %s within %s s" % (method, timeout))
            message = self._read_message(left)
            if message is not None and "id" not in message:
                self._event(message)

    def open_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")

    def viewport(self, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def navigate(self, url, timeout=30):
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout)

    def evaluate(self, expression, timeout=30):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in result:
            raise CDPError("script failed: %s: %s" % (expression[:80], result["exceptionDetails"].get("text")))
        return result["result"].get("value")

    def submit(self, expression, timeout=30):
        """Runs an expression that makes the page navigate (a click on a submit button) and waits for the load."""
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.evaluate(expression)
        self.wait_event("Page.loadEventFired", timeout)

    def set_file(self, selector, path):
        document = self.call("DOM.getDocument")
        node = self.call("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})["nodeId"]
        self.call("DOM.setFileInputFiles", {"nodeId": node, "files": [path]})

    def screenshot(self, path, full_page=True):
        params = {"format": "png", "captureBeyondViewport": full_page}
        data = base64.b64decode(self.call("Page.captureScreenshot", params, timeout=60)["data"])
        with open(path, "wb") as handle:
            handle.write(data)
        return data

    def wait_for(self, expression, timeout=30, interval=0.2):
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(interval)
        raise CDPError("timed out waiting for: %s (last value %r)" % (expression, value))
