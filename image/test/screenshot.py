"""image/test/screenshot.py — one page of a booted image at a phone viewport (360x780), as a PNG.

  python3 image/test/screenshot.py --url http://127.0.0.1:P/setup --out FILE.png [--cookie NAME=VALUE]

Headless chromium over the DevTools protocol (ci/ui/cdp.py). --cookie puts a session cookie (the curl jar's
rill_session) into the browser first, so a step of the wizard that needs the admin's session shows as the admin
sees it. Exit 1 when the page did not load or the PNG is blank (fewer than 4 colours, or one colour > 99 %).
"""
import argparse
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "ci", "ui"))
from cdp import Browser, CDPError  # noqa: E402
from png import colour_stats  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cookie", action="append", default=[])
    args = parser.parse_args()
    browser = Browser(log_path=args.out + ".chromium.log")
    try:
        browser.open_page()
        browser.viewport(360, 780, True)
        origin = urllib.parse.urlsplit(args.url)
        for cookie in args.cookie:
            name, _, value = cookie.partition("=")
            browser.call("Network.setCookie", {"name": name, "value": value, "url": "%s://%s/" % (origin.scheme, origin.netloc)})
        browser.navigate(args.url, timeout=60)
        data = browser.screenshot(args.out, full_page=False)
        colours, dominant, _, _ = colour_stats(data)
        if colours < 4 or dominant > 0.99:
            print("screenshot: %s looks blank (%d colours, %.1f%% one colour)" % (args.out, colours, dominant * 100))
            sys.exit(1)
        print("screenshot: %s (%s, %d colours)" % (args.out, browser.evaluate("location.pathname"), colours))
    except CDPError as error:
        print("screenshot: %s" % error)
        sys.exit(1)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
