"""asyncio.run in a thread of its own: a test worker that also drives Playwright's sync API already has an event
loop running in its main thread, where asyncio.run refuses to start ("cannot be called from a running event
loop"), depending on which tests pytest-xdist gave that worker first."""

import asyncio
import threading


def run(coroutine):
    """asyncio.run(coroutine) on a new thread; returns its result or raises its exception."""
    outcome = {}

    def target():
        try:
            outcome["result"] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: BLE001  handed back to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, name="fresh-asyncio-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
