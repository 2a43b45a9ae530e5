/// `/assets/player.js`: the player page's script. It asks the browser about every type in
/// `ClientAbilities.probeTypes` (`canPlayType`, `MediaSource.isTypeSupported`), posts that with the screen size to
/// `/api/v1/play`, and plays what comes back: the stream URL (direct play), the session's playlist natively (HLS in
/// Safari), or the session's fMP4 segments through a small MSE player: init segment, then segments in order up to
/// three ahead of the play position, played ones dropped; a seek outside what is buffered fetches from the grid
/// segment holding the new time (the server restarts ffmpeg there). `?player=mse` forces the MSE player. The
/// session is ended (`DELETE`) when the page goes away.
enum PlayerScript {
    static let text = #"""
    "use strict";
    (function () {
      var v = document.querySelector("video[data-file]");
      if (!v) return;
      var note = document.getElementById("play-note"), info = document.getElementById("play-info");
      var csrf = v.dataset.csrf, MS = window.MediaSource, session = null;
      function say(text) { note.hidden = false; note.textContent = text; }
      function headers(json) {
        var h = {}; if (json) h["Content-Type"] = "application/json"; if (csrf) h["X-CSRF-Token"] = csrf; return h;
      }
      function abilities() {
        var types = [];
        JSON.parse(v.dataset.probe).forEach(function (t) {
          var a = v.canPlayType(t);
          if (a === "probably" || a === "maybe" || (MS && MS.isTypeSupported && t.indexOf("video/mp4") === 0 && MS.isTypeSupported(t))) types.push(t);
        });
        var r = window.devicePixelRatio || 1, side = Math.round(Math.max(screen.width, screen.height) * r);
        return { playable_types: types, max_width: side, max_height: side, media_source: !!MS };
      }
      var pid = sessionStorage.getItem("rill.player");
      if (!pid) { pid = Math.random().toString(36).slice(2, 12); sessionStorage.setItem("rill.player", pid); }
      var file = v.dataset.file.split("/");
      function describe(p) {
        var m = p.media, parts = [], vs = null, as = null;
        m.streams.forEach(function (s) { if (s.kind === "video" && !vs) vs = s; if (s.kind === "audio" && !as) as = s; });
        if (vs) parts.push(vs.codec + (vs.width ? " " + vs.width + "×" + vs.height : ""));
        if (as) parts.push(as.codec + (as.channels ? " " + as.channels + " ch" : ""));
        var how = { direct_play: "Playing the original file", remux: "Repackaged for this browser", audio_transcode: "Audio converted for this browser", full_transcode: "Converted for this browser" }[p.mode] || p.mode;
        if (p.session && p.session.encoder) how += " (" + p.session.encoder + ")";
        return how + ": " + parts.join(", ") + (p.reasons.length ? ". Why: " + p.reasons.join("; ") : "");
      }
      function tracks(list) {
        list.forEach(function (s) {
          var t = document.createElement("track");
          t.kind = "subtitles"; t.src = s.url; t.label = s.label; if (s.language) t.srclang = s.language.slice(0, 3);
          if (s.is_default) t.default = true;
          v.appendChild(t);
        });
      }
      function get(url, signal) {
        return fetch(url, { credentials: "same-origin", signal: signal }).then(function (r) {
          if (!r.ok) return r.json().then(function (j) { throw new Error(j.error ? j.error.message : "HTTP " + r.status); });
          return r.arrayBuffer();
        });
      }
      function mse(s) {
        var base = s.playlist_url.replace(/index\.m3u8$/, ""), starts = [], next = 0, busy = false, gen = 0, ctrl = null, sb = null, ready = false;
        var source = new MS();
        v.src = URL.createObjectURL(source);
        function buffered(t) {
          for (var i = 0; i < sb.buffered.length; i++) if (sb.buffered.start(i) <= t + 0.25 && sb.buffered.end(i) > t) return sb.buffered.end(i) - t;
          return 0;
        }
        function slot(t) { var n = 0; while (n + 1 < starts.length && starts[n + 1] <= t + 0.01) n++; return n; }
        function pump() {
          // Not before the playlist and the init segment are in: an empty list would end the stream at once.
          if (!ready || busy || sb.updating || source.readyState !== "open") return;
          if (sb.buffered.length && v.currentTime - sb.buffered.start(0) > 40) { sb.remove(0, v.currentTime - 20); return; }
          if (next >= starts.length) { try { source.endOfStream(); } catch (e) {} return; }
          if (buffered(v.currentTime) > 3 * s.segment_seconds) return;
          var n = next, mine = gen;
          busy = true;
          ctrl = window.AbortController ? new AbortController() : null;
          get(base + n + ".m4s", ctrl && ctrl.signal).then(function (data) {
            busy = false;
            if (mine !== gen) return pump();
            next = n + 1;
            try { sb.appendBuffer(data); } catch (e) { say("The browser refused a segment: " + e.message); }
          }).catch(function (e) {
            busy = false;
            if (mine === gen && e.name !== "AbortError") { say("A segment failed: " + e.message); setTimeout(pump, 2000); }
          });
        }
        source.addEventListener("sourceopen", function () {
          sb = source.addSourceBuffer(s.mime_type);
          sb.mode = "segments";
          // Every run writes its fragments at their real time + 1 s (docs/TRANSCODE.md): back to the file's clock.
          sb.timestampOffset = -1;
          sb.addEventListener("updateend", pump);
          fetch(s.playlist_url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (text) {
            var t = 0;
            text.split("\n").forEach(function (line) { var m = /^#EXTINF:([0-9.]+)/.exec(line); if (m) { starts.push(t); t += parseFloat(m[1]); } });
            source.duration = t;
            return get(base + "init.mp4");
          }).then(function (data) {
            next = Math.min(s.start_segment || 0, starts.length - 1);
            if (next > 0) v.currentTime = starts[next];
            ready = true;
            sb.appendBuffer(data);
          }).catch(function (e) { say("The stream could not start: " + e.message); });
        });
        v.addEventListener("seeking", function () {
          if (!ready || buffered(v.currentTime) > 0) return;
          gen++;
          if (ctrl) ctrl.abort();
          busy = false;
          next = slot(v.currentTime);
          pump();
        });
        v.addEventListener("timeupdate", pump);
        setInterval(pump, 1000);
      }
      fetch("/api/v1/play", {
        method: "POST", credentials: "same-origin", headers: headers(true),
        body: JSON.stringify({ info_hash: file[0], file_index: +file[1], abilities: abilities(), start_time: 0, player_id: pid })
      }).then(function (r) {
        return r.json().then(function (j) { if (!r.ok) throw new Error(j.error ? j.error.message : "HTTP " + r.status); return j; });
      }).then(function (p) {
        info.textContent = describe(p);
        tracks(p.subtitles);
        v.dataset.mode = p.mode;
        if (p.mode === "direct_play") { v.src = p.direct_url; return; }
        session = p.session;
        var forceMSE = /[?&]player=mse/.test(location.search);
        if (!forceMSE && v.canPlayType("application/vnd.apple.mpegurl")) { v.dataset.player = "native"; v.src = session.playlist_url; }
        else if (MS && session.mime_type && MS.isTypeSupported(session.mime_type)) { v.dataset.player = "mse"; mse(session); }
        else say("This browser can play neither HLS nor Media Source streams; download the file instead.");
      }).catch(function (e) { info.textContent = ""; say("Cannot play this file here: " + e.message); });
      v.addEventListener("error", function () {
        var code = v.error ? v.error.code : 0;
        say("This browser cannot play this (" + (code === 4 ? "format or codecs not supported" : code === 3 ? "decoding failed" : "it could not be loaded") + "). Download it, or open the stream URL in a player such as VLC.");
      });
      v.addEventListener("loadeddata", function () { note.hidden = true; v.dataset.ready = "1"; });
      window.addEventListener("pagehide", function () {
        // Stop the player first (its pending segment requests go), then end the session.
        v.pause(); v.removeAttribute("src"); v.load();
        if (session) fetch("/transcode/" + session.id, { method: "DELETE", credentials: "same-origin", keepalive: true, headers: headers(false) });
      });
    })();
    """#
}
