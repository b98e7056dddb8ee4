"""Time to first render of portal pages on a slow connection, in a real Chromium.

Drives chromedriver over its HTTP API (WebDriver, no client library) and Chromium's DevTools through
chromedriver: network emulation at 1.6 Mbit/s down and up with 150 ms latency, the cache disabled (every
page loads cold, its stylesheet included). Prints, per page: the first contentful paint, the response's
end, the DOM ready, and the bytes transferred.

usage: bench_render.py CHROMEDRIVER CHROMIUM PORTAL_URL ACCESS_TOKEN PAGE...
"""
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

driver_bin, chromium, portal, token, *pages = sys.argv[1:]

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
driver = subprocess.Popen([driver_bin, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
profile = tempfile.mkdtemp(prefix="kc-render-")


def call(method, path, body=None):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.load(urllib.request.urlopen(req))["value"]


try:
    for _ in range(100):
        try:
            call("GET", "/status")
            break
        except OSError:
            time.sleep(0.1)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic", "--window-size=412,915", f"--user-data-dir={profile}"]
    sid = call("POST", "/session", {"capabilities": {"alwaysMatch": {
        "goog:chromeOptions": {"binary": chromium, "args": args}}}})["sessionId"]

    def cdp(cmd, params):
        return call("POST", f"/session/{sid}/goog/cdp/execute", {"cmd": cmd, "params": params})

    call("POST", f"/session/{sid}/url", {"url": f"{portal}/dang-nhap"})
    call("POST", f"/session/{sid}/cookie", {"cookie": {"name": "kc_at", "value": token, "path": "/"}})
    cdp("Network.enable", {})
    cdp("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp("Network.emulateNetworkConditions", {"offline": False, "latency": 150,
                                             "downloadThroughput": 200_000, "uploadThroughput": 200_000})
    print("    page                                 first paint  response end  DOM ready  transferred")
    for page in pages:
        call("POST", f"/session/{sid}/url", {"url": f"{portal}{page}"})
        # The first contentful paint may come after the load the navigation waited for: observe it.
        fcp, end, ready, size = call("POST", f"/session/{sid}/execute/async", {"args": [], "script": """
            const done = arguments[arguments.length - 1];
            const report = (fcp) => {
              const n = performance.getEntriesByType('navigation')[0];
              const bytes = performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, n.transferSize);
              done([fcp, n.responseEnd, n.domContentLoadedEventEnd, bytes]);
            };
            new PerformanceObserver((list) => {
              const p = list.getEntries().find((e) => e.name === 'first-contentful-paint');
              if (p) report(p.startTime);
            }).observe({type: 'paint', buffered: true});
            setTimeout(() => report(null), 10000);"""})
        shown = f"{fcp:.0f} ms" if fcp is not None else "—"
        print(f"    {page[:36]:<36} {shown:>11}  {end:>9.0f} ms  {ready:>6.0f} ms  {size:>8} B")
    call("DELETE", f"/session/{sid}")
finally:
    driver.kill()
    subprocess.run(["rm", "-rf", profile])
