"""What a million warm invocations cost on Lambda (arm64): duration billed per invocation,
rounded up to the ms, times the memory size in GB, at the GB-second price, beside the request
price. Prices: US East (N. Virginia), the first pricing tier (up to 7.5 billion GB-seconds a
month), as Lambda's pricing page lists them for Arm."""

ARM64_USD_PER_GB_SECOND = 0.0000133334
USD_PER_MILLION_REQUESTS = 0.20


def gb_seconds_per_million(memory_mb, billed_ms_mean):
    return memory_mb / 1024 * billed_ms_mean / 1000 * 1_000_000


def usd_per_million(memory_mb, billed_ms_mean):
    """(duration, requests) in USD per million invocations."""
    return (gb_seconds_per_million(memory_mb, billed_ms_mean) * ARM64_USD_PER_GB_SECOND,
            USD_PER_MILLION_REQUESTS)
