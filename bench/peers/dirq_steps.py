"""python-dirq's QueueSimple, one step of the bench (bench/peers/dirq.ts): the JSON argument
says which; the answer is a BENCH_RESULT line, as bench/peers/system.ts reads it.

A job is a file written under a temporary name and hard-linked to its own (add); a consumer
locks it with a second hard link, reads it and unlinks both (lock, get, remove). QueueSimple
has no fsync, no bulk add and no wake-up: a waiting consumer lists the queue again after
POLL_S, the fastest poll we keep it to.
"""
import json
import sys
import time

from dirq.QueueSimple import QueueSimple

POLL_S = 0.001

def payload(i, size):
    return str(i).ljust(size)


def drain(qs, handle):
    """One pass over what is queued now; how many it handled."""
    handled = 0
    for name in qs:
        if not qs.lock(name):
            continue
        handle(qs.get(name))
        qs.remove(name)
        handled += 1
    return handled


def step(a):
    qs = QueueSimple(a["dir"])
    op = a["op"]
    if op in ("send", "fill"):
        t0 = time.perf_counter()
        for i in range(a["n"]):
            qs.add(payload(i, a["bytes"]))
        return {"seconds": time.perf_counter() - t0, "queued": qs.count()}
    if op == "drain":
        seen = [0] * a["n"]

        def handle(data):
            seen[int(data)] += 1

        t0 = time.monotonic_ns()
        while drain(qs, handle):
            pass
        t1 = time.monotonic_ns()
        return {"seconds": (t1 - t0) / 1e9, "from": t0 / 1e6, "to": t1 / 1e6, "seen": seen, "left": qs.count()}
    if op == "consumer":
        ms = []

        def stamp(data):
            ms.append((time.monotonic_ns() - int(data)) / 1e6)

        deadline = time.monotonic() + a["deadlineMs"] / 1000  # its producer may have died
        print("READY", flush=True)
        while len(ms) < a["n"]:
            if not drain(qs, stamp):
                if time.monotonic() > deadline:
                    raise TimeoutError("not every job came in time")
                time.sleep(POLL_S)
        return {"ms": ms}
    if op == "producer":
        for _ in range(a["n"]):
            qs.add(str(time.monotonic_ns()))
            time.sleep(a["intervalMs"] / 1000)
        return {"seconds": 0, "queued": 0}
    raise ValueError("unknown op " + op)


if __name__ == "__main__":
    print("BENCH_RESULT " + json.dumps(step(json.loads(sys.argv[1]))), flush=True)
