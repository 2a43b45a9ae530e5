/// `/assets/app.js`: the little the pages need beyond HTML forms — live numbers over server-sent events
/// (`/api/v1/torrents/events`), the VPN banner and alerts (polling `/api/v1/vpn` and `/api/v1/status`),
/// confirmations, and the player's "cannot play this here" message. Every page works without it.
enum Script {
    static let text = #"""
    "use strict";
    (function () {
      var $ = function (s, r) { return (r || document).querySelector(s); };
      var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
      function bytes(n) {
        if (n == null) return "";
        var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
        while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
        return (i ? n.toFixed(1) : n) + " " + u[i];
      }
      function rate(n) { return bytes(n) + "/s"; }
      function eta(t) {
        var left = t.wanted_bytes - t.verified_bytes;
        if (left <= 0) return "done";
        if (!t.download_rate) return "—";
        var s = Math.round(left / t.download_rate);
        if (s < 60) return s + " s";
        if (s < 3600) return Math.round(s / 60) + " min";
        return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min";
      }
      function pct(t) { return t.wanted_bytes > 0 ? Math.floor(1000 * t.verified_bytes / t.wanted_bytes) / 10 : 0; }
      function set(root, field, text) { var e = $("[data-field=" + field + "]", root); if (e && e.textContent !== text) e.textContent = text; }
      function fill(root, t) {
        var p = pct(t);
        set(root, "state", t.state.replace("_", " "));
        set(root, "progress", p + " %");
        set(root, "down", rate(t.download_rate));
        set(root, "up", rate(t.upload_rate));
        set(root, "peers", String(t.peers));
        set(root, "eta", eta(t));
        set(root, "size", bytes(t.verified_bytes) + " of " + bytes(t.wanted_bytes));
        var bar = $(".bar>span", root); if (bar) bar.style.width = p + "%";
        var b = $(".bar", root); if (b) b.setAttribute("aria-valuenow", String(p));
        var pause = $("[data-when=running]", root), resume = $("[data-when=paused]", root);
        if (pause) pause.hidden = t.state === "paused";
        if (resume) resume.hidden = t.state !== "paused";
      }
      function live() {
        var rows = $$("[data-hash]");
        var list = $("#torrents");
        if (!rows.length && !list) return;
        if (!window.EventSource) return;
        var source = new EventSource("/api/v1/torrents/events");
        // A page kept in the back/forward cache would keep its stream open: six of them use up the browser's
        // connections to this host and every further request waits. Close it on the way out, reload on return.
        window.addEventListener("pagehide", function () { source.close(); });
        window.addEventListener("pageshow", function (e) { if (e.persisted) location.reload(); });
        source.addEventListener("torrents", function (e) {
          var data; try { data = JSON.parse(e.data); } catch (x) { return; }
          var seen = {};
          data.torrents.forEach(function (t) {
            seen[t.info_hash] = true;
            var row = $("[data-hash='" + t.info_hash + "']");
            if (!row && list && list.dataset.template !== undefined) { location.reload(); return; }
            if (row) fill(row, t);
          });
          var total = { d: 0, u: 0 };
          data.torrents.forEach(function (t) { total.d += t.download_rate; total.u += t.upload_rate; });
          set(document, "total-down", rate(total.d));
          set(document, "total-up", rate(total.u));
          var mark = $("#live"); if (mark) { mark.hidden = false; mark.textContent = "live " + new Date().toLocaleTimeString(); }
          if (list) $$("[data-hash]", list).forEach(function (r) { if (!seen[r.dataset.hash]) r.remove(); });
        });
      }
      function status() {
        var banner = $("#vpn-banner");
        if (!banner) return;
        function poll() {
          fetch("/api/v1/vpn", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
            if (!v) return;
            var down = v.message.indexOf("VPN down") === 0;
            banner.hidden = !down;
            if (down) banner.textContent = "VPN down — downloads paused" + (v.kill_switch && v.kill_switch.reason ? ": " + v.kill_switch.reason : "");
            set(document, "vpn", v.message);
          }).catch(function () {});
          fetch("/api/v1/status", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
            if (!s || !s.data_disk) return;
            set(document, "disk", bytes(s.data_disk.free_bytes) + " free of " + bytes(s.data_disk.total_bytes));
          }).catch(function () {});
        }
        poll();
        setInterval(poll, 5000);
      }
      function confirmations() {
        $$("form[data-confirm]").forEach(function (f) {
          f.addEventListener("submit", function (e) { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); });
        });
      }
      function player() {
        var v = $("video[data-type]"), note = $("#play-note");
        if (!v || !note) return;
        function cannot(why) {
          note.hidden = false;
          note.textContent = "This browser cannot play this file (" + why + "). Download it, or open the stream URL in a player such as VLC.";
        }
        var type = v.dataset.type;
        if (v.canPlayType && v.canPlayType(type) === "") cannot(type + " is not supported here");
        v.addEventListener("error", function () {
          var code = v.error ? v.error.code : 0;
          cannot(code === 4 ? "its format or codecs are not supported" : code === 3 ? "decoding failed" : "it could not be loaded");
        });
        v.addEventListener("loadeddata", function () { note.hidden = true; v.dataset.ready = "1"; });
      }
      document.addEventListener("DOMContentLoaded", function () { live(); status(); confirmations(); player(); });
    })();
    """#
}
