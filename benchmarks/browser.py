"""Shared by the browser benchmarks: a Streamlit server for any script, and a timed slider press.

The page is instrumented in JavaScript: a MutationObserver records when Streamlit's
script state turns to notRunning and when anything inside a Plotly chart last changed.
A press's latency is from just before the key press to the later of the two, once the
page has been quiet for QUIET_MS (so a chart redrawn after the run ended is included).
"""

from __future__ import annotations


from benchmarks.server_stats import percentile, rss_mb  # noqa: F401  (re-exported)
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, free_port, serve  # noqa: F401  (re-exported)

QUIET_MS = 250
SETTLE_MS = 2000
INSTRUMENT = """
() => {
  if (window.__bench) return;
  const bench = window.__bench = {done: 0, chart: 0, any: 0, running: 0};
  const app = document.querySelector('[data-testid=stApp]');
  new MutationObserver((records) => {
    const now = performance.now();
    // a run that starts and ends within one batch of records still leaves oldValue 'running'
    for (const r of records) if (r.oldValue === 'running') { bench.running = Math.max(bench.running, bench.done); bench.done = now; }
    const state = app.getAttribute('data-test-script-state');
    if (state === 'notRunning') bench.done = now;
    if (state === 'running') bench.running = now;
  }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  new MutationObserver((mutations) => {
    const now = performance.now();
    bench.any = now;
    for (const m of mutations) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      if (el && el.closest('[data-testid=stPlotlyChart]')) { bench.chart = now; break; }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}
"""


WEBSOCKET_SPY = """
(() => {
  // Record when the page last received a websocket message (Streamlit's deltas and its
  // end-of-run message): a rerun that never shows the running state still ends with one.
  const Native = window.WebSocket;
  window.__wsReceived = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__wsReceived = performance.now(); });
    }
  };
})();
"""


def press_and_time_js() -> str:
    """JS: wait for the run started after t0 to finish and the charts to go quiet; returns ms or -1.

    A rerun can be so quick that the page never flips its script state to running (the floor
    page loses about one press in three that way); then the last chart change after the press,
    once the charts have been quiet for twice `quiet` ms, is the end of the run.

    Charts count as quiet after `quiet` ms without a change, or at the latest SETTLE_MS after the
    run ended (a chart that keeps moving, e.g. an animation, cannot hold the measure open).
    """
    return """
    async ([t0, quiet, timeout]) => {
      const b = window.__bench;
      const deadline = t0 + timeout;
      const app = document.querySelector('[data-testid=stApp]');
      while (performance.now() < deadline) {
        const now = performance.now();
        if (b.done > t0 && b.done >= b.running) {
          const settle = b.done + %d;
          if (now - Math.max(b.chart, b.done) >= quiet || now >= settle) {
            const chart = b.chart > t0 ? Math.min(b.chart, settle) : 0;
            return Math.max(b.done, chart) - t0;
          }
        } else {
          // a run so short that the page never showed the running state: its last message from the
          // server (the context must have WEBSOCKET_SPY) or the redrawn chart marks its end
          const end = Math.max(b.chart, window.__wsReceived || 0);
          if (end > t0 && b.running < t0 && now - end >= 2 * quiet
              && app.getAttribute('data-test-script-state') === 'notRunning') return end - t0;
        }
        await new Promise(r => setTimeout(r, 20));
      }
      return -1;
    }
    """ % SETTLE_MS


def lesson_url(base_url: str, lesson, query: str = "") -> str:
    """A lesson's address (the course home is the navigation's default page, at "/")."""
    return f"{base_url}/{lesson.url_path}" + (f"?{query}" if query else "")
