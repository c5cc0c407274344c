#!/usr/bin/env python3
"""Writes Tests/BedrockTests/Vectors/adaptive/cases.json: botocore's adaptive-mode rate
limiter (ClientRateLimiter with its CubicCalculator, RateClocker and TokenBucket) driven by a
fake clock through sequences of successful and throttled responses, with its state after each.
The Swift AdaptiveRateLimiter must reproduce every number."""

import json
import os
import random

from botocore.retries import adaptive, bucket, throttling

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "BedrockTests", "Vectors", "adaptive")


class FakeClock:
    def __init__(self, start):
        self.now = start

    def current_time(self):
        return self.now

    def sleep(self, amount):
        self.now += amount


class Detector:
    """Says whether the response being recorded was a throttle."""

    def __init__(self):
        self.throttled = False

    def is_throttling_error(self, **kwargs):
        return self.throttled


def run(seed, steps):
    rng = random.Random(seed)
    clock = FakeClock(1000.0 + rng.random() * 10)
    start = clock.now
    detector = Detector()
    token_bucket = bucket.TokenBucket(max_rate=1, clock=clock)
    limiter = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=clock.current_time()),
        rate_clocker=adaptive.RateClocker(clock), token_bucket=token_bucket,
        throttling_detector=detector, clock=clock)
    events = []
    for _ in range(steps):
        clock.now += rng.choice([0.01, 0.05, 0.1, 0.3, 0.6, 1.5, 4.0]) * rng.random()
        detector.throttled = rng.random() < 0.3
        limiter.on_receiving_response()
        events.append({"time": clock.now, "throttled": detector.throttled,
                       "fill_rate": token_bucket.max_rate, "max_capacity": token_bucket.max_capacity,
                       "capacity": token_bucket.available_capacity, "enabled": limiter._enabled,
                       "measured_rate": limiter._rate_clocker.measured_rate})
    return {"seed": seed, "start": start, "events": events}


def main():
    cases = [run(seed, 60) for seed in range(20)]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        f.write('{"cases": [\n')
        f.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
