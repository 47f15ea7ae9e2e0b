"""Where the model runs: ``translate.device`` (auto | cpu | cuda) and its per-device defaults.

``auto`` means CUDA when CTranslate2 sees a GPU (``get_cuda_device_count() > 0``).
On CUDA the defaults are ``int8_float16`` weights and large batches; on the CPU the
model's own type (int8 for Argos models) and batches of 16. A GPU that cannot start
(no driver, missing cuBLAS or cuDNN) falls back to the CPU with one line saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import TranslateConfig
from .config_types import shown

BATCH = {"cpu": 16, "cuda": 64}  # translate.batch_size 0: sentences per batch on each device
# translate.compute_type auto on CUDA: the first of these the GPU supports
CUDA_TYPES = ("int8_float16", "float16", "int8")
WHERE = {"cpu": "this CPU", "cuda": "this GPU"}


@dataclass(frozen=True)
class Plan:
    """How the model is loaded: device, compute type (auto: the model's own) and batch size."""

    device: str
    compute_type: str
    batch_size: int
    why: str = ""  # how the device was chosen, for logs

    def params(self, t: TranslateConfig) -> dict[str, Any]:
        """ctranslate2.Translator's keyword arguments."""
        params: dict[str, Any] = {"device": self.device, "inter_threads": t.inter_threads,
                                  "intra_threads": t.intra_threads}
        if self.compute_type != "auto":
            params["compute_type"] = self.compute_type
        return params

    def describe(self) -> str:
        kind = "" if self.compute_type == "auto" else f", {self.compute_type}"
        return f"{self.device}{kind}, batches of {self.batch_size}"


def cuda_devices() -> int:
    """GPUs CTranslate2 can see (0 without a driver)."""
    import ctranslate2

    try:
        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # no CUDA runtime at all
        return 0


def supported(device: str) -> set[str]:
    """Compute types CTranslate2 supports on the device (empty when it cannot tell)."""
    import ctranslate2

    try:
        return set(ctranslate2.get_supported_compute_types(device))
    except Exception:  # RuntimeError: e.g. "CUDA driver version is insufficient"
        return set()


def device_for(t: TranslateConfig) -> tuple[str, str]:
    """The device to try first, and why."""
    if t.device != "auto":
        return t.device, "configured"
    n = cuda_devices()
    return ("cuda", f"auto: {n} CUDA device(s)") if n > 0 else ("cpu", "auto: no CUDA device")


def plan_for(device: str, t: TranslateConfig, why: str = "") -> Plan:
    compute = t.compute_type
    if device == "cuda" and compute == "auto":
        types = supported("cuda")
        compute = next((c for c in CUDA_TYPES if c in types), "auto")
    elif device == "cpu" and compute != "auto" and compute not in supported("cpu"):
        compute = "auto"  # a GPU-only type (after a fall-back from CUDA): the model's own
    return Plan(device, compute, t.batch_size or BATCH[device], why)


def choose(t: TranslateConfig) -> Plan:
    device, why = device_for(t)
    return plan_for(device, t, why)


def compute_type_problem(t: TranslateConfig) -> str | None:
    """Why ``translate.compute_type`` cannot work on the device it would run on, or None.

    Not checked when CTranslate2 cannot list the device's types (a GPU that does not
    start is found at load, and then the CPU is used)."""
    if t.compute_type == "auto":
        return None
    device = device_for(t)[0]
    types = supported(device)
    if not types or t.compute_type in types:
        return None
    return (f"expected auto or one of {', '.join(sorted(types))} (what CTranslate2 supports "
            f"on {WHERE[device]}), got {shown(t.compute_type)}")
