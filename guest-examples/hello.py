"""A CPython guest: the standard library (json, sys, time) and a little of everything."""
import json
import sys
import time


def factorial(n):
    return 1 if n <= 1 else n * factorial(n - 1)


start = time.monotonic()
print(f"Hello from Python {sys.version.split()[0]} in a Hyperlight-Nanvix micro-VM!")
print("arguments:", sys.argv[1:])
squares = [n * n for n in range(10)]
print("squares:", squares, "sum:", sum(squares))
print("20! =", factorial(20))
words = "the quick brown fox jumps over the lazy dog".split()
print("longest word:", max(words, key=len), "| title:", " ".join(words[:3]).title())
document = json.loads(json.dumps({"language": "python", "version": list(sys.version_info[:3])}))
print("json round trip:", document)
print(f"done in {time.monotonic() - start:.3f} s")
