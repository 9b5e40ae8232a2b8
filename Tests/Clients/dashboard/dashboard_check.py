#!/usr/bin/env python3
"""Opens spoold's dashboard in a real headless Chromium and checks it live.

Chromium is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: commands on fd 3, replies on fd 4, each a JSON
message ended by NUL), so nothing but Python's standard library is needed.

  dashboard_check.py URL BEANSTALK_HOST:PORT TUBE ARTIFACT_DIR [BURIED]

1. Loads URL and waits until the page shows TUBE's row (the page gets its
   numbers only from the server-sent events of /events), with BURIED buried
   jobs when given: the feed samples the queue once a second, so the first
   numbers a page gets can predate the test's last change by up to a second.
2. Prints {"phase": "before", ...} with what the page shows, and keeps a
   screenshot (ARTIFACT_DIR/dashboard-before.png).
3. Puts one job into TUBE over the beanstalkd protocol, then waits until the
   page's ready count for TUBE has grown by one, without reloading it.
4. Prints {"phase": "after", ...} and keeps dashboard-after.png.
Exits non-zero, saying why, when a step does not happen within its deadline.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import time

READ_PAGE = r"""JSON.stringify({
  status: document.getElementById("status").textContent,
  durability: document.getElementById("durability").textContent,
  store: document.getElementById("store").textContent,
  samples: Number(document.body.dataset.samples || 0),
  tubes: [...document.querySelectorAll("#tubes tbody tr")].map((r) => ({
    tube: r.dataset.tube,
    ready: Number(r.querySelector("td.ready")?.textContent),
    reserved: Number(r.querySelector("td.reserved")?.textContent),
    delayed: Number(r.querySelector("td.delayed")?.textContent),
    buried: Number(r.querySelector("td.buried")?.textContent),
    paused: r.classList.contains("paused"),
    plots: r.querySelectorAll("svg polyline").length,
  })),
})"""


class Browser:
    def __init__(self):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        def arrange():
            # Out of the way first: the pipes may themselves be fds 3 and 4.
            os.dup2(to_chrome_r, 100)
            os.dup2(from_chrome_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)
        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", "--window-size=1280,800", "about:blank"],
            # close_fds would close 3 and 4 after arrange() made them.
            close_fds=False, preexec_fn=arrange,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_chrome, 65536)
                if not chunk:
                    raise SystemExit("chromium closed its pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SystemExit(f"{method}: {reply['error']}")
                return reply["result"]

    def open(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Page.navigate", {"url": url})

    def page(self):
        result = self.call("Runtime.evaluate", {"expression": READ_PAGE, "returnByValue": True})
        value = result["result"].get("value")
        return json.loads(value) if value else None

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def close(self):
        self.process.kill()
        self.process.wait()


def wait_for(browser, what, condition, seconds):
    """Reads the page until `condition` holds; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = browser.page()
        except SystemExit:
            raise
        except Exception:  # the page is still loading
            last = None
        if last and condition(last):
            return last
        time.sleep(0.1)
    raise SystemExit(f"the dashboard never showed {what}; last seen: {json.dumps(last)}")


def row(page, tube):
    return next((r for r in page["tubes"] if r["tube"] == tube), None)


def put(address, tube):
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f"use {tube}\r\nput 0 0 60 7\r\ndisplay\r\n".encode())
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = connection.recv(256)
            if not chunk:
                break
            reply += chunk
    if b"INSERTED" not in reply:
        raise SystemExit(f"put failed: {reply!r}")


def main():
    url, address, tube, artifacts = sys.argv[1:5]
    buried = int(sys.argv[5]) if len(sys.argv) > 5 else None
    browser = Browser()
    try:
        browser.open(url)
        before = wait_for(
            browser, f"tube {tube}" + (f" with {buried} buried" if buried is not None else ""),
            lambda p: row(p, tube) is not None and p["status"] == "live" and buried in (None, row(p, tube).get("buried")), 30)
        browser.screenshot(os.path.join(artifacts, "dashboard-before.png"))
        print(json.dumps({"phase": "before", **before}), flush=True)
        put(address, tube)
        wanted = row(before, tube)["ready"] + 1
        after = wait_for(browser, f"{wanted} ready in {tube}", lambda p: (row(p, tube) or {}).get("ready") == wanted, 15)
        browser.screenshot(os.path.join(artifacts, "dashboard-after.png"))
        print(json.dumps({"phase": "after", **after}), flush=True)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
