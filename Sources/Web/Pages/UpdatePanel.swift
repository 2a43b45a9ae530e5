import Device

/// The "Updates" part of the system page: the OTA service's status as `GET /api/v1/update` reports it (both slots
/// with version, role and which one booted, the trial and its tries, the last result, the update in progress) and
/// the bundle upload.
///
/// Contract: everything is rendered on the server from ``UpdateStatusBody`` (the same values the API sends), so the
/// page tells the truth without JavaScript. The upload needs the script (`UpdateScript`): it sends the file itself as
/// the body of `POST /api/v1/update` with `fetch` (never a multipart form: the form reader collects bodies only up
/// to `http.max_body_bytes`, a bundle is hundreds of MiB) and the `X-CSRF-Token` header, and follows the progress by
/// polling `GET /api/v1/update`. The elements the script fills carry `data-update` names.
enum UpdatePanel {
    /// The section's HTML. `update` is nil in a process without the update service; `csrfToken` is the session's.
    static func html(_ update: UpdateService?, csrfToken: String?) -> String {
        var out = "<h2>Updates</h2>"
        guard let update else {
            return out + "<p class=\"card\">Updates are not part of this process.</p>"
        }
        let status = UpdateStatusBody(update.status())
        out += "<div class=\"card\" id=\"update-panel\">"
        out += "<p data-update=\"summary\">\(HTML.escape(summary(status)))</p>"
        out += "<ul class=\"list\" data-update=\"slots\" aria-label=\"Update slots\">"
        for slot in status.slots { out += "<li>\(HTML.escape(slotLine(slot, trial: status.trial)))</li>" }
        out += "</ul>"
        out += "<p data-update=\"result\">\(HTML.escape(resultLine(status.lastResult)))</p>"
        out += "<p data-update=\"progress-text\" role=\"status\">\(HTML.escape(progressLine(status.progress)))</p>"
        out += "<progress data-update=\"progress\" aria-label=\"Update progress\" max=\"\(max(status.progress.totalBytes ?? 0, 1))\" value=\"\(status.progress.bytes)\"\(status.progress.phase == "idle" ? " hidden" : "")></progress>"
        if status.available, let csrfToken {
            out += """
                <form id="update-form" data-csrf="\(HTML.escape(csrfToken))">\
                <label for="update-file">Update bundle (.bundle file)</label>\
                <input id="update-file" name="bundle" type="file" accept=".bundle,application/octet-stream" required>\
                <label class="inline"><input type="checkbox" id="update-downgrade" name="allow_downgrade"> Allow an older version</label>\
                <div class="actions"><button type="submit" data-needs-script disabled>Install update</button>\
                <button type="button" id="update-reboot" class="secondary"\(status.canReboot && status.lastResult?.outcome == "staged" ? "" : " hidden")>Restart into the new version</button></div>\
                <p class="hint" data-update="note">The bundle is checked (signature, board, version) while it is written to the inactive slot; the running system is never touched. This needs JavaScript; without it use <code>curl -X POST -T rill.bundle -H "Authorization: Bearer …" http://…/api/v1/update</code>.</p>\
                </form>
                """
        } else if status.available {
            out += "<p class=\"hint\">Install with <code>curl -X POST -T rill.bundle http://…/api/v1/update</code>.</p>"
        }
        return out + "</div>"
    }

    static func summary(_ status: UpdateStatusBody) -> String {
        let booted = status.bootedSlot.map { "slot \($0.uppercased())" } ?? "an unknown slot"
        var text = "Running \(status.runningVersion) from \(booted) (board \(status.board), bootloader \(status.bootloader))."
        if !status.available { text += " Updates are not available: \(status.unavailableReason ?? "unknown reason")." }
        return text
    }

    static func slotLine(_ slot: UpdateStatusBody.SlotBody, trial: UpdateStatusBody.TrialBody?) -> String {
        var text = "Slot \(slot.slot.uppercased()): \(slot.version ?? "no version recorded") — "
        switch slot.role {
        case "last-good": text += "committed (last good)"
        case "trial":
            let tries = trial?.triesLeft ?? 0
            text += "on trial, \(tries) \(tries == 1 ? "try" : "tries") left"
        default: text += "inactive"
        }
        if slot.booted { text += " · booted now" }
        return text
    }

    static func resultLine(_ result: UpdateStatusBody.ResultBody?) -> String {
        guard let result else { return "Last update: none yet." }
        let words = [
            "installing": "being installed into", "install-failed": "failed to install into", "staged": "staged in",
            "committed": "committed in", "rolled-back": "rolled back from", "marked-bad": "marked bad in",
        ]
        return "Last update: \(result.version) \(words[result.outcome] ?? result.outcome) slot \(result.slot.uppercased())."
    }

    static func progressLine(_ progress: UpdateStatusBody.ProgressBody) -> String {
        if progress.phase == "idle" { return "No update is running." }
        var text = "Update \(progress.phase.replacing("-", with: " "))"
        if let version = progress.version { text += " (\(version))" }
        text += ": \(HTML.bytes(Int64(progress.bytes)))"
        if let total = progress.totalBytes { text += " of \(HTML.bytes(Int64(total)))" }
        if let image = progress.image { text += ", image \(image)" }
        if let seconds = progress.elapsedSeconds { text += ", \(Int(seconds)) s" }
        if let error = progress.error { text += " — \(error.message) (\(error.code))" }
        return text + "."
    }
}
