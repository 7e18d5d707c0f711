"""Which number format model inference runs in: bf16 where the CPU has native bf16 matmuls, else fp32.

On CPUs with AVX512-BF16 or AMX, bf16 inference of MiniLM-sized models ran about 3x faster than
fp32 here with the same outputs (embedding cosine 0.9999; verifier probabilities within a few
hundredths, same labels on our regression pairs). Elsewhere bf16 is emulated and slower, so the
choice is made at run time from the CPU's flags, with fp32 as the fallback.
"""

from __future__ import annotations

import functools
from pathlib import Path

BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when /proc/cpuinfo lists a native bf16 instruction set (Linux; elsewhere False = fp32)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[-1].split())
            break
    return any(f in flags for f in BF16_FLAGS)


def use_bf16(setting: str) -> bool:
    """``setting`` is Settings.inference_precision: 'auto' (bf16 when the CPU has it), 'bf16' or 'fp32'."""
    if setting == "bf16":
        return True
    if setting == "fp32":
        return False
    return cpu_has_bf16()


def describe(setting: str) -> str:
    """How inference runs here, for a report a person compares with another machine's: the number format and why."""
    if setting in ("bf16", "fp32"):
        return f"{setting} (set)"
    return "bf16 (the CPU has native bf16)" if cpu_has_bf16() else "fp32 (the CPU has no native bf16)"
