"""An analyzer that never finishes in time, for the paste page's time-limit test (runs in a child)."""

import time


def sleep_30(data: bytes, name: str) -> str:
    time.sleep(30)
    return ""


def spin_30(data: bytes, name: str) -> str:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        pass
    return ""
