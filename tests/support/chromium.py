"""How the browser tests launch Debian's Chromium (nothing is downloaded)."""
from __future__ import annotations

PATH = "/usr/bin/chromium"

# Every host but loopback resolves to "not found" at once: a page that names a CDN (Oscar's
# base template loads jQuery from one) must not wait on this machine's resolver, since a slow
# failure delays the load event and with it every meta refresh.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def launch_args(defaults: dict) -> dict:
    """Playwright's launch arguments with Debian's Chromium and the flags above."""
    return {**defaults, "executable_path": PATH, "args": ARGS}
