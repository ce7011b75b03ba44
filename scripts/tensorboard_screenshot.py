"""Screenshot of a TensorBoard page with headless Chromium, after the page has really rendered.

    python3 scripts/tensorboard_screenshot.py URL OUT.png [WIDTH HEIGHT [SECONDS]]

docs/figures/mlp-tensorboard.png was taken with

    swift run -c release mlp --threads 1 --tensorboard out
    tensorboard --logdir out/ --port 6125 &
    python3 scripts/tensorboard_screenshot.py \
      "http://127.0.0.1:6125/?smoothing=0&tagFilter=%5E(acc%7Closs%7Cbatch)%2F#timeseries" \
      docs/figures/mlp-tensorboard.png 1400 1060 16

`chromium --headless --screenshot` shoots as soon as the page's virtual clock runs out, before
TensorBoard's charts have drawn; this drives Chromium over its DevTools pipe instead (file
descriptors 3 and 4, messages separated by NUL bytes), waits in real time, closes TensorBoard's
settings pane (after turning off its outlier cropping), and captures the page. Standard library only.
"""
import base64
import json
import os
import subprocess
import sys
import time


def main():
    url, out = sys.argv[1], sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1500, 1000)
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 15
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def pipe_to_fds_3_and_4():  # in the child: Chromium reads commands on fd 3, writes replies on fd 4
        os.dup2(to_chrome_r, 100), os.dup2(from_chrome_w, 101)
        os.dup2(100, 3), os.dup2(101, 4)

    chrome = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--remote-debugging-pipe", f"--window-size={width},{height}", "about:blank"],
        pass_fds=(3, 4), preexec_fn=pipe_to_fds_3_and_4, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r), os.close(from_chrome_w)
    writer, reader = os.fdopen(to_chrome_w, "wb"), os.fdopen(from_chrome_r, "rb")
    pending, ids = b"", iter(range(1, 1 << 30))

    def call(method, session=None, **params):
        nonlocal pending
        i = next(ids)
        message = {"id": i, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        writer.write(json.dumps(message).encode() + b"\0")
        writer.flush()
        while True:
            while b"\0" not in pending:
                chunk = reader.read1(1 << 16)
                if not chunk:
                    raise SystemExit(f"chromium closed the pipe while waiting for {method}")
                pending += chunk
            line, pending = pending.split(b"\0", 1)
            reply = json.loads(line)
            if reply.get("id") == i:
                if "error" in reply:
                    raise SystemExit(f"{method}: {reply['error']}")
                return reply["result"]

    try:
        target = call("Target.createTarget", url="about:blank")["targetId"]
        session = call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        call("Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1, mobile=False)
        call("Page.enable", session)
        call("Page.navigate", session, url=url)
        time.sleep(seconds / 2)
        # TensorBoard opens its settings pane on a first visit. Turn off "Ignore outliers in chart
        # scaling" (on by default, it crops the first epochs out of short curves), then close the
        # pane and let the charts resize.
        call("Runtime.evaluate", session, expression=(
            "for (const c of document.querySelectorAll('mat-checkbox')) {"
            "  const input = c.querySelector('input');"
            "  if (c.textContent.includes('Ignore outliers') && input && input.checked) input.click(); }"
            "for (const b of document.querySelectorAll('button')) {"
            "  if (b.textContent.trim() === 'Settings') b.click(); }"))
        time.sleep(seconds / 2)
        png = call("Page.captureScreenshot", session, format="png")["data"]
        with open(out, "wb") as f:
            f.write(base64.b64decode(png))
    finally:
        chrome.kill()


if __name__ == "__main__":
    main()
