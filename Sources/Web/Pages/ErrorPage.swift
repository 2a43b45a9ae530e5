/// An error as a page for browsers: the status, the message, a way back. No layout (it may answer before any
/// login is known), but the stylesheet.
enum ErrorPage {
    static func response(_ error: APIError) -> Response {
        let title = error.status == .notFound ? "Not found" : error.status == .forbidden ? "Not allowed" : "Something went wrong"
        let html = """
            <!doctype html><html lang="en" data-theme="plain"><head><meta charset="utf-8">\
            <meta name="viewport" content="width=device-width,initial-scale=1"><title>\(title) · Rill</title>\
            <link rel="stylesheet" href="/assets/app.css?v=\(Layout.assetVersion)"></head><body><main id="main" class="center">\
            <h1>\(title)</h1><p class="banner bad" role="alert">\(HTML.escape(error.message))</p>\
            <div class="actions"><a class="button" href="/">Back to the dashboard</a></div></main></body></html>
            """
        return HTML.response(html, status: error.status)
    }
}

import Hummingbird
