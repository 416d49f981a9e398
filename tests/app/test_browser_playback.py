"""An .mp4 written by posegraph plays in a real browser: headless Chromium loads it from a local
HTTP server into a <video> element, which must reach readyState >= 2 (HAVE_CURRENT_DATA), report the
video's size and duration, and advance its clock when played. Skipped where no `chromium` is
installed; `.ci/run` installs it so CI runs it."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from posegraph.app.media import open_sink

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PAGE = """<!doctype html>
<html><body>
<video id="v" src="out.mp4" muted playsinline preload="auto"></video>
<pre id="result">pending</pre>
<script>
const v = document.getElementById("v");
const out = document.getElementById("result");
const state = {};
function report() { out.textContent = JSON.stringify(state); }
v.addEventListener("loadeddata", () => {
  Object.assign(state, {readyState: v.readyState, width: v.videoWidth, height: v.videoHeight, duration: v.duration});
  report();
  v.play().catch(e => { state.playError = String(e); report(); });
});
v.addEventListener("timeupdate", () => { if (v.currentTime > 0) { state.played = true; report(); } });
v.addEventListener("error", () => { state.error = v.error ? v.error.code : "unknown"; report(); });
</script>
</body></html>
"""


@pytest.fixture
def served(tmp_path: Path):
    """``tmp_path`` served over HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_mp4_output_plays_in_headless_chromium(tmp_path, served):
    width, height, frames, fps = 320, 240, 20, 10.0
    with open_sink(tmp_path / "out.mp4", fps, (width, height)) as sink:
        for i in range(frames):
            frame = np.zeros((height, width, 3), np.uint8)
            frame[:, : (i + 1) * width // frames] = (255, 138, 0)  # a bar that grows: every frame differs
            sink.write(frame)
    (tmp_path / "index.html").write_text(PAGE)
    profile = tmp_path / "profile"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--autoplay-policy=no-user-gesture-required",
         "--virtual-time-budget=10000", "--dump-dom", f"{served}/index.html"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stdout[-2000:]
    state = json.loads(match.group(1).replace("&quot;", '"'))
    assert "error" not in state, f"the browser could not decode the video (MediaError code {state['error']})"
    assert state["readyState"] >= 2
    assert (state["width"], state["height"]) == (width, height)
    assert state["duration"] == pytest.approx(frames / fps, abs=0.05)
    assert state.get("played") is True, state
