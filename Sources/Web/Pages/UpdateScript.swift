/// The part of `/assets/app.js` for the system page's update panel (``UpdatePanel``) and the stream link page
/// (``StreamLinkPages``), kept apart from ``Script`` so each stays one idea.
///
/// - Upload: the chosen file is the body of `fetch("/api/v1/update", {method: "POST", body: file})` with the
///   session's `X-CSRF-Token` — the browser streams it from disk; no multipart form, no copy in memory. While it
///   runs, `GET /api/v1/update` is polled every second for the server's progress (bytes received and verified,
///   phase); the answer (200 staged, or the error's code and message) is shown when the request ends.
/// - Otherwise the panel refreshes every 5 s, and "Restart into the new version" posts `/api/v1/update/reboot`.
/// - Stream links: "Copy link" copies the link (the Clipboard API where the page is a secure context; else, or when
///   it refuses, the selected text field and `execCommand("copy")`, which plain `http://rill.local` needs).
enum UpdateScript {
    static let text = #"""
    (function () {
      "use strict";
      var $ = function (s, r) { return (r || document).querySelector(s); };
      function bytes(n) {
        var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
        while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
        return i ? n.toFixed(1) + " " + u[i] : n + " B";
      }
      function put(name, text) { var e = $("[data-update=" + name + "]"); if (e && e.textContent !== text) e.textContent = text; }
      var outcomes = { "installing": "being installed into", "install-failed": "failed to install into", "staged": "staged in",
        "committed": "committed in", "rolled-back": "rolled back from", "marked-bad": "marked bad in" };
      function render(s) {
        var text = "Running " + s.running_version + " from " + (s.booted_slot ? "slot " + s.booted_slot.toUpperCase() : "an unknown slot") +
          " (board " + s.board + ", bootloader " + s.bootloader + ").";
        if (!s.available) text += " Updates are not available: " + (s.unavailable_reason || "unknown reason") + ".";
        put("summary", text);
        var list = $("[data-update=slots]");
        if (list) {
          while (list.firstChild) list.removeChild(list.firstChild);
          s.slots.forEach(function (slot) {
            var line = "Slot " + slot.slot.toUpperCase() + ": " + (slot.version || "no version recorded") + " — ";
            if (slot.role === "last-good") line += "committed (last good)";
            else if (slot.role === "trial") { var t = s.trial ? s.trial.tries_left : 0; line += "on trial, " + t + (t === 1 ? " try" : " tries") + " left"; }
            else line += "inactive";
            if (slot.booted) line += " · booted now";
            var li = document.createElement("li"); li.textContent = line; list.appendChild(li);
          });
        }
        var r = s.last_result;
        put("result", r ? "Last update: " + r.version + " " + (outcomes[r.outcome] || r.outcome) + " slot " + r.slot.toUpperCase() + "." : "Last update: none yet.");
        var p = s.progress, bar = $("[data-update=progress]");
        if (p.phase === "idle") { put("progress-text", "No update is running."); if (bar) bar.hidden = true; }
        else {
          var line = "Update " + p.phase.replace("-", " ") + (p.version ? " (" + p.version + ")" : "") + ": " + bytes(p.bytes);
          if (p.total_bytes) line += " of " + bytes(p.total_bytes);
          if (p.image) line += ", image " + p.image;
          if (p.elapsed_seconds != null) line += ", " + Math.floor(p.elapsed_seconds) + " s";
          if (p.error) line += " — " + p.error.message + " (" + p.error.code + ")";
          put("progress-text", line + ".");
          if (bar) { bar.hidden = false; bar.max = Math.max(p.total_bytes || 0, p.bytes, 1); bar.value = p.bytes; }
        }
        var reboot = $("#update-reboot");
        if (reboot) reboot.hidden = !(s.can_reboot && r && r.outcome === "staged");
      }
      function refresh() {
        return fetch("/api/v1/update", { credentials: "same-origin", cache: "no-store" })
          .then(function (r) { return r.ok ? r.json() : null; }).then(function (s) { if (s) render(s); }).catch(function () {});
      }
      function say(text) { put("note", text); }
      function update() {
        var panel = $("#update-panel");
        if (!panel) return;
        var form = $("#update-form"), busy = false;
        setInterval(function () { if (!busy) refresh(); }, 5000);
        if (!form) return;
        var submit = $("button[type=submit]", form);
        submit.disabled = false;
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          var file = $("#update-file").files[0];
          if (!file || busy) return;
          busy = true; submit.disabled = true;
          say("Sending " + file.name + " (" + bytes(file.size) + ")…");
          var timer = setInterval(refresh, 1000);
          var url = "/api/v1/update" + ($("#update-downgrade").checked ? "?allow_downgrade=true" : "");
          fetch(url, { method: "POST", body: file, credentials: "same-origin",
                       headers: { "X-CSRF-Token": form.dataset.csrf, "Content-Type": "application/octet-stream" } })
            .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, status: r.status, body: j }; }); })
            .then(function (a) {
              if (a.ok) { render(a.body); say("Installed into slot " + (a.body.progress.slot || "?").toUpperCase() + ". Restart to run the new version."); }
              else { var err = a.body && a.body.error; say("Refused (" + a.status + (err ? " " + err.code : "") + "): " + (err ? err.message : "no details")); }
            })
            .catch(function (x) { say("The connection ended before an answer (" + x.message + "); the update status above says why."); })
            .then(function () { clearInterval(timer); busy = false; submit.disabled = false; refresh(); });
        });
        var reboot = $("#update-reboot");
        if (reboot) reboot.addEventListener("click", function () {
          if (!window.confirm("Restart into the new version now? Rill is back in about a minute.")) return;
          fetch("/api/v1/update/reboot", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": form.dataset.csrf } })
            .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
            .then(function (a) { say(a.ok ? "Restarting into slot " + a.body.slot.toUpperCase() + "…" : "Refused: " + a.body.error.message); })
            .catch(function (x) { say("Failed: " + x.message); });
        });
      }
      function copyLink() {
        var button = $("#copy-link"), field = $("#stream-link");
        if (!button || !field) return;
        button.hidden = false;
        button.addEventListener("click", function () {
          function done(ok) { var n = $("#copy-note"); if (n) n.textContent = ok ? "Copied." : "Select the link and copy it."; }
          function selectAndCopy() {
            field.focus(); field.select();
            var ok = false; try { ok = document.execCommand("copy"); } catch (x) {}
            done(ok);
          }
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(field.value).then(function () { done(true); }, selectAndCopy);
          } else {
            selectAndCopy();
          }
        });
      }
      document.addEventListener("DOMContentLoaded", function () { update(); copyLink(); });
    })();
    """#
}
