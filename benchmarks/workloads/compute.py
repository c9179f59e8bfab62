"""Compute-heavy: a prime sieve, an n-body-like float loop and a dict-heavy word count; no I/O."""


def primes_below(limit):
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for n in range(2, int(limit ** 0.5) + 1):
        if sieve[n]:
            sieve[n * n::n] = bytes(len(range(n * n, limit, n)))
    return [n for n in range(limit) if sieve[n]]


def orbit(steps):
    x, y, vx, vy = 1.0, 0.0, 0.0, 1.0
    dt = 0.001
    for _ in range(steps):
        r3 = (x * x + y * y) ** 1.5
        vx -= x / r3 * dt
        vy -= y / r3 * dt
        x += vx * dt
        y += vy * dt
    return x, y


def word_counts(repeat):
    counts = {}
    words = "the quick brown fox jumps over the lazy dog again and again".split()
    for i in range(repeat):
        for word in words:
            key = word + str(i % 97)
            counts[key] = counts.get(key, 0) + 1
    return len(counts), sum(counts.values())


primes = primes_below(300_000)
print("primes below 300000:", len(primes), "largest:", primes[-1])
print("orbit after 200000 steps: (%.6f, %.6f)" % orbit(200_000))
print("distinct words, total:", word_counts(20_000))
