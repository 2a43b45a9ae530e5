#!/usr/bin/env python3
"""Drives the real rill daemon with headless Chromium (ci/ui-test starts everything and calls this).

Phone viewport (360x780) first, then desktop (1280x900): the setup wizard, log out, log in, add a .torrent from
the local swarm, progress arriving live without a reload, play the MP4 directly (readyState >= 2), play the
HEVC/AC-3 MKV as a transcoded HLS session (built-in MSE player, then the page's own choice; currentTime advances), screenshots of every
page in both themes (checked non-blank, no horizontal scroll at 360 px, every control labelled), change a
setting, pause/resume/remove, log out. Exits non-zero with a message on the first failure.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, CDPError  # noqa: E402
from png import colour_stats  # noqa: E402

PHONE = (360, 780, True)
DESKTOP = (1280, 900, False)


class Run:
    def __init__(self, base, shots, torrent, password, bundle, unsigned_bundle):
        self.base = base.rstrip("/")
        self.bundle = bundle
        self.unsigned_bundle = unsigned_bundle
        self.shots = shots
        self.torrent = torrent
        self.password = password
        self.browser = Browser(log_path=os.path.join(shots, "chromium.log"))
        self.steps = []
        self.size = "phone"

    def log(self, text):
        print("ui-test: " + text, flush=True)

    def url(self):
        return self.browser.evaluate("location.pathname + location.search")

    def expect(self, condition, message):
        if not condition:
            raise AssertionError(message + " (at %s)" % self.url())

    def go(self, path):
        self.browser.navigate(self.base + path)

    def js_string(self, text):
        return json.dumps(text)

    def fill(self, selector, value):
        self.browser.evaluate("(function(){var e=document.querySelector(%s); e.value=%s; return true})()" % (self.js_string(selector), self.js_string(value)))

    def click(self, selector):
        """Clicks something that submits a form and waits for the next page."""
        self.browser.submit("document.querySelector(%s).click()" % self.js_string(selector))

    def check_page(self, name):
        """Screenshot (checked non-blank) plus the layout rules: no horizontal scroll, every control labelled."""
        theme = self.browser.evaluate("document.documentElement.dataset.theme") or "plain"
        path = os.path.join(self.shots, "%s-%s-%s.png" % (self.size, theme, name))
        data = self.browser.screenshot(path)
        colours, dominant, width, height = colour_stats(data)
        self.expect(colours >= 6 and dominant < 0.985, "%s looks blank: %d colours, %.1f%% one colour" % (path, colours, dominant * 100))
        overflow = self.browser.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.expect(overflow <= 0, "%s scrolls sideways by %s px" % (name, overflow))
        unlabelled = self.browser.evaluate("""(function(){
            var bad = [];
            document.querySelectorAll('input,select,textarea,button').forEach(function(e){
              if (e.type === 'hidden') return;
              var named = (e.labels && e.labels.length) || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim());
              if (!named) bad.push(e.outerHTML.slice(0, 80));
            });
            return bad; })()""")
        self.expect(not unlabelled, "%s has unlabelled controls: %s" % (name, unlabelled))
        self.steps.append((os.path.basename(path), colours, width, height))
        return path

    # The scenario.

    def setup_wizard(self):
        self.go("/")
        self.expect(self.url().startswith("/setup"), "a fresh device shows the wizard")
        self.check_page("setup-1-admin")
        self.fill("#password", self.password)
        self.fill("#repeat", self.password)
        self.click("form[action='/setup/admin'] button[type=submit]")
        self.expect(self.browser.evaluate("!!document.querySelector(\"form[action='/setup/vpn']\")"), "the VPN step follows")
        self.check_page("setup-2-vpn")
        # A bad WireGuard file is refused with its line.
        self.fill("#config", "[Interface]\nPrivateKey = nope\n")
        self.click("form[action='/setup/vpn'] button[type=submit]:not([name])")
        error = self.browser.evaluate("(document.querySelector('.banner.bad')||{}).textContent || ''")
        self.expect(":2:" in error, "the VPN error names the line: %r" % error)
        self.click("button[name=skip]")
        self.check_page("setup-3-storage")
        self.click("form[action='/setup/storage'] button[type=submit]")
        self.check_page("setup-4-summary")
        self.click("form[action='/setup/complete'] button[type=submit]")
        self.expect(self.url() == "/", "finishing the wizard lands on the dashboard")
        self.go("/setup")
        self.expect(self.browser.evaluate("document.title").startswith("Not found"), "the wizard is gone after setup")

    def logout(self):
        self.go("/")
        self.click(".nav form[action='/logout'] button")
        self.expect(self.url().startswith("/login"), "logging out shows the login page")
        self.go("/settings")
        self.expect(self.url().startswith("/login"), "pages need a login after logging out")

    def login(self, expect_next="/"):
        self.expect(self.url().startswith("/login"), "at the login page")
        self.check_page("login")
        self.fill("#username", "admin")
        self.fill("#password", "wrong password!")
        self.click("form[action='/login'] button")
        self.expect("wrong username or password" in self.browser.evaluate("document.body.textContent"), "a wrong password is refused")
        self.fill("#username", "admin")
        self.fill("#password", self.password)
        self.click("form[action='/login'] button")
        self.expect(self.url() == expect_next, "logged in, back at %s" % expect_next)

    def add_torrent(self):
        self.go("/add")
        self.check_page("add")
        self.browser.set_file("#torrent", self.torrent)
        self.click("form[action='/add'] button[type=submit]")
        path = self.url()
        self.expect(path.startswith("/t/"), "adding leads to the transfer")
        self.hash = path.split("/")[2]
        return self.hash

    def watch_live(self):
        """Progress changes on the dashboard without a reload, until the download is complete."""
        self.go("/")
        self.browser.evaluate("window.__noReload = 'still here'")
        seen = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = self.browser.evaluate("(document.querySelector(\"[data-hash='%s'] [data-field=progress]\")||{}).textContent" % self.hash)
            if text:
                seen.add(text)
            if text == "100.0 %" or text == "100 %":
                break
            time.sleep(0.25)
        self.expect(self.browser.evaluate("window.__noReload") == "still here", "the page was not reloaded")
        self.expect(len(seen) >= 3, "progress arrived live in steps: %s" % sorted(seen))
        self.expect(any(s.startswith("100") for s in seen), "the download completed: %s" % sorted(seen))
        self.expect(self.browser.evaluate("!document.querySelector('#live').hidden"), "the live marker shows")
        self.log("live progress seen: %d distinct values" % len(seen))

    def play(self):
        self.go("/t/" + self.hash)
        href = self.play_link("clip.mp4")
        self.go(href)
        mode = self.start_video()
        self.expect(mode == "direct_play", "H.264/AAC in MP4 plays directly (mode %s)" % mode)
        state = self.browser.wait_for("(function(){var v=document.querySelector('video'); return v.readyState >= 2 ? v.readyState : 0})()", timeout=60)
        self.expect(self.browser.evaluate("document.querySelector('#play-note').hidden"), "no 'cannot play' note for H.264/AAC")
        self.log("video readyState %s" % state)
        self.player = href

    def start_video(self):
        """Waits for the player page's decision (data-mode), then starts the video muted; returns the mode."""
        mode = self.browser.wait_for("(function(){var v=document.querySelector('video'); return v && v.dataset.mode || (document.querySelector('#play-note').hidden ? '' : 'note: ' + document.querySelector('#play-note').textContent)})()", timeout=60)
        self.browser.evaluate("(function(){var v=document.querySelector('video'); v.muted=true; var p=v.play(); if(p) p.catch(function(){}); return true})()")
        return mode

    def play_transcoded(self, player):
        """The HEVC/AC-3 MKV: Chromium cannot decode it, so it plays as an HLS session (forced through the built-in
        MSE player with ?player=mse, or the page's own choice): readyState >= 2 and currentTime advances."""
        self.go("/t/" + self.hash)
        if player == "auto":
            about = self.browser.evaluate("Array.prototype.map.call(document.querySelectorAll('[data-field=media]'), function(e){return e.textContent}).join(' | ')")
            self.expect("hevc" in about and "h264" in about, "the transfer page shows the stored probes: %r" % about)
        href = self.play_link("trailer-hevc.mkv")
        started = time.monotonic()
        self.go(href + ("?player=mse" if player == "mse" else ""))
        mode = self.start_video()
        self.expect(mode in ("full_transcode", "audio_transcode", "remux"), "the MKV is transcoded (mode %s)" % mode)
        state = self.browser.wait_for("(function(){var v=document.querySelector('video'); return v.readyState >= 2 ? v.readyState : 0})()", timeout=60)
        first = self.browser.evaluate("document.querySelector('video').currentTime")
        moved = self.browser.wait_for("(function(){var v=document.querySelector('video'); return v.currentTime > %f + 1 ? v.currentTime : 0})()" % first, timeout=30)
        used = self.browser.evaluate("document.querySelector('video').dataset.player")
        self.expect(player != "mse" or used == "mse", "the MSE player was used (%s)" % used)
        self.log("transcoded (%s, %s player): readyState %s after %.1f s, currentTime %.2f -> %.2f" % (mode, used, state, time.monotonic() - started, first, moved))
        if player == "mse":
            # A seek past what is buffered: the player asks for the grid segment holding 30 s, ffmpeg restarts there.
            seeked = time.monotonic()
            self.browser.evaluate("document.querySelector('video').currentTime = 30")
            after = self.browser.wait_for("(function(){var v=document.querySelector('video'); return v.currentTime > 30.5 && v.readyState >= 2 ? v.currentTime : 0})()", timeout=60)
            self.log("seek to 30 s: playing at %.2f after %.1f s" % (after, time.monotonic() - seeked))

    def play_link(self, name):
        """The Play link of the file whose path ends with `name` on the transfer page."""
        href = self.browser.evaluate("""(function(){
            var items = Array.prototype.slice.call(document.querySelectorAll('li'));
            for (var i = 0; i < items.length; i++) {
              var n = items[i].querySelector('.name'), a = items[i].querySelector("a[href^='/play/']");
              if (n && a && n.textContent.slice(-%d) === %s) return a.getAttribute('href');
            }
            return null; })()""" % (len(name), self.js_string(name)))
        self.expect(href, "a Play link for %s" % name)
        return href

    def all_pages(self, label):
        for name, path in [("dashboard", "/"), ("add", "/add"), ("transfer", "/t/" + self.hash), ("library", "/library"),
                           ("player", self.player), ("settings", "/settings"), ("system", "/system"), ("users", "/users"),
                           ("account", "/account"), ("link", self.link_page)]:
            self.go(path)
            self.check_page(name)
        self.log("%s: screenshots of every page" % label)

    def stream_link(self):
        """"Link for VLC/TV": the link page, its copy button, and the link working without any login (a range)."""
        self.go("/t/" + self.hash)
        self.link_page = self.browser.evaluate("document.querySelector(\"a[href^='/links/']\").getAttribute('href')")
        self.go(self.link_page)
        link = self.browser.evaluate("document.querySelector('#stream-link').value")
        self.expect("/stream/%s/" % self.hash in link and "?link=" in link, "the page shows a signed link: %s" % link)
        self.browser.evaluate("document.querySelector('#copy-link').click()")
        note = self.browser.wait_for("document.querySelector('#copy-note').textContent", timeout=5)
        self.log("copy link: %s" % note)
        fetch = """fetch(%s, {credentials: "omit", cache: "no-store", headers: {Range: "bytes=0-99"}})
                   .then(function (r) { return r.status + " " + r.headers.get("content-range"); })"""
        answer = self.browser.evaluate(fetch % self.js_string(link))
        self.expect(answer.startswith("206 bytes 0-99/"), "the link streams a range without a login: %s" % answer)
        tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
        self.expect(self.browser.evaluate(fetch % self.js_string(tampered)).startswith("403"), "a tampered link is refused")
        self.expect(self.browser.evaluate(fetch % self.js_string(link.split("?")[0])).startswith("401"), "without the link: 401")
        playlist = self.browser.evaluate("""fetch(document.querySelector("a[href$='playlist.m3u']").href, {credentials: "same-origin"})
                                            .then(function (r) { return r.text(); })""")
        # (A new link: its expiry may be a second later than the page's.)
        in_playlist = playlist.strip().split("\n")[-1]
        self.expect(playlist.startswith("#EXTM3U\n") and in_playlist.startswith(link.split("?")[0] + "?link="), "the .m3u holds a link: %r" % playlist)
        self.expect(self.browser.evaluate(fetch % self.js_string(in_playlist)).startswith("206 "), "the .m3u's link streams")
        self.log("stream link: %s, tampered 403, bare 401" % answer)

    def update_upload(self):
        """The system page's update panel: pick the bundle, install; the page shows slot B staged."""
        self.go("/system")
        slots = self.browser.evaluate("document.querySelector('[data-update=slots]').textContent")
        self.expect("Slot A: " in slots and "booted now" in slots, "slot A listed as booted: %s" % slots)
        # An unsigned bundle first: refused (the answer, or a connection the server closed early), nothing staged.
        note = self.install(self.unsigned_bundle)
        self.expect(note.startswith("Refused (422 bundle_bad_signature)") or note.startswith("The connection ended"), "the unsigned bundle was refused: %s" % note)
        status = self.browser.wait_for("""(function(){ var t = document.querySelector('[data-update=progress-text]').textContent;
                                           return t.indexOf('bundle_bad_signature') >= 0 ? t : null; })()""", timeout=15)
        self.log("unsigned bundle: %s | %s" % (note, status))
        note = self.install(self.bundle)
        self.expect(note.startswith("Installed into slot B"), "the upload was installed: %s" % note)
        slots = self.browser.evaluate("document.querySelector('[data-update=slots]').textContent")
        self.expect("Slot B: 0.2.0 — on trial" in slots, "the panel shows slot B on trial: %s" % slots)
        # rill runs with update.reboot = "none": no restart button (hidden must win over the button's display).
        self.expect(self.browser.evaluate("document.querySelector('#update-reboot').offsetParent === null"), "no restart button without a reboot method")
        progress = self.browser.evaluate("document.querySelector('[data-update=progress-text]').textContent")
        self.log("update: %s | %s" % (note, progress))

    def install(self, bundle):
        """Picks `bundle` in the update form, presses Install and waits for the page's verdict."""
        self.browser.wait_for("!document.querySelector('#update-form button[type=submit]').disabled", timeout=60)
        self.browser.evaluate("document.querySelector('[data-update=note]').textContent = ''")
        self.browser.set_file("#update-file", bundle)
        self.browser.evaluate("document.querySelector('#update-form button[type=submit]').click()")
        return self.browser.wait_for("""(function(){ var t = document.querySelector('[data-update=note]').textContent;
                                         return /^(Installed|Refused|The connection)/.test(t) ? t : null; })()""", timeout=120)

    def set_theme(self, theme):
        self.go("/settings")
        self.browser.evaluate("document.querySelector('#s-ui-theme').value = %s" % self.js_string(theme))
        self.click("form[action='/settings'] button[type=submit]")
        self.expect("Saved." in self.browser.evaluate("document.body.textContent"), "the setting was saved")
        self.expect(self.browser.evaluate("document.documentElement.dataset.theme") == theme, "the theme is now %s" % theme)

    def pause_resume_remove(self):
        self.go("/t/" + self.hash)
        self.click("form[action$='/pause'] button")
        self.expect(self.browser.evaluate("document.querySelector('[data-field=state]').textContent") == "paused", "paused")
        self.click("form[action$='/resume'] button")
        self.expect(self.browser.evaluate("document.querySelector('[data-field=state]').textContent") != "paused", "resumed")
        self.browser.evaluate("document.querySelector(\"input[name=delete_data]\").checked = true")
        dialogs = self.browser.dialogs
        self.click("form[action$='/remove'] button")
        self.expect(self.browser.dialogs == dialogs + 1, "removing asked for confirmation")
        self.expect(self.url() == "/", "back on the dashboard")
        self.expect(not self.browser.evaluate("!!document.querySelector(\"[data-hash='%s']\")" % self.hash), "the transfer is gone")

    def run(self):
        try:
            self.browser.open_page()
            self.browser.viewport(*PHONE)
            self.setup_wizard()
            self.logout()
            self.login(expect_next="/settings")
            self.add_torrent()
            self.watch_live()
            self.play()
            self.play_transcoded("mse")
            self.play_transcoded("auto")
            self.stream_link()
            self.update_upload()
            self.all_pages("phone, plain")
            self.set_theme("lcars")
            self.all_pages("phone, lcars")
            self.size = "desktop"
            self.browser.viewport(*DESKTOP)
            self.all_pages("desktop, lcars")
            self.set_theme("plain")
            self.all_pages("desktop, plain")
            self.size = "phone"
            self.browser.viewport(*PHONE)
            self.pause_resume_remove()
            self.logout()
            self.go("/")
            self.check_page("logged-out")
        finally:
            self.browser.close()
        self.log("%d screenshots checked, in %s" % (len(self.steps), self.shots))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--shots", required=True)
    parser.add_argument("--torrent", required=True)
    parser.add_argument("--password", default="ui-test-password")
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--unsigned-bundle", required=True)
    args = parser.parse_args()
    os.makedirs(args.shots, exist_ok=True)
    try:
        Run(args.base, args.shots, args.torrent, args.password, args.bundle, args.unsigned_bundle).run()
    except (AssertionError, CDPError) as error:
        print("ui-test: FAILED: %s" % error, flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
