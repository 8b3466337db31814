"""What a planner types, resolved to what the warehouse holds: benchmarks, models and accelerators.

Names differ between suites and rounds: training's RetinaNet lives in a folder named `ssd` from v2.0 to v4.1 (before
v2.0, `ssd` was SSD-ResNet34, another benchmark with another target) and `retinanet` from v5.0; inference calls the
ResNet-50 model `resnet`. Accelerators are resolved with the accelerator map, exactly as the system descriptions are.
"""

from __future__ import annotations

import re


class UnknownName(ValueError):
    """A name the warehouse does not hold; the message lists the valid ones."""


class NotMeasured(LookupError):
    """A name the accelerator map knows, with no measured result for the question."""


def round_key(round_: str) -> tuple[int, ...]:
    """v0.7 < v1.0 < v4.1 < v10.0 (text order breaks at v10)."""
    return tuple(int(part) for part in round_.lstrip("v").split("."))


def _key(name: str) -> str:
    # `mask-rcnn`, `Mask_RCNN` and `maskrcnn` are one name; dots stay (bert-99 is not bert-99.9)
    return re.sub(r"[^a-z0-9.]", "", name.lower())


_TRAINING_ALIASES = {"resnet50": "resnet", "ssd": "retinanet", "ssdresnet34": "ssd-resnet34", "gpt": "gpt3",
                     "dlrmdcnv2": "dlrm_dcnv2", "unet": "unet3d", "3dunet": "unet3d"}
_INFERENCE_ALIASES = {"resnet50": "resnet", "3dunet": "3d-unet-99", "llama270b": "llama2-70b-99",
                      "gptj": "gptj-99", "bert": "bert-99", "dlrm": "dlrm-v2-99", "dlrmv2": "dlrm-v2-99"}


def training_benchmark(round_: str, folder: str) -> str:
    """The benchmark a training results folder holds in a round, by its name across rounds."""
    if folder == "ssd":
        return "retinanet" if round_key(round_) >= (2, 0) else "ssd-resnet34"
    return folder


def resolve_training(name: str, folders: list[tuple[str, str]]) -> dict[str, str]:
    """{round: folder} holding the benchmark `name` means, among (round, folder) pairs; UnknownName on a miss."""
    wanted = _key(name)
    wanted = _key(_TRAINING_ALIASES.get(wanted, wanted))
    found = {r: f for r, f in folders if _key(training_benchmark(r, f)) == wanted}
    if not found:
        valid = sorted({training_benchmark(r, f) for r, f in folders})
        raise UnknownName(f"no training benchmark {name!r}; valid names: {', '.join(valid)} "
                          "(resnet50 = resnet; retinanet is the folder `ssd` from v2.0 to v4.1)")
    return found


def resolve_model(name: str, models: list[str]) -> str:
    """The inference model key `name` means (resnet50 → resnet); UnknownName on a miss."""
    keys = {_key(m): m for m in models}
    wanted = _key(name)
    wanted = _key(_INFERENCE_ALIASES.get(wanted, wanted))
    if wanted in keys:
        return keys[wanted]
    raise UnknownName(f"no inference model {name!r}; valid names: {', '.join(sorted(models))}")


def resolve_accelerator(name: str, patterns: list[tuple[str, str]], measured: list[str]) -> str:
    """The canonical accelerator (e.g. 'H100 SXM 80GB') for a spelling, by the first matching pattern of the map
    (the map's own order: 'H100' is the SXM part, 'H100 PCIe' the PCIe card), else the one measured name containing
    it. `patterns` are (regex, canonical) in priority order."""
    lowered = name.lower()
    valid = ", ".join(sorted(set(measured)))
    canonical = next((c for pattern, c in patterns if re.search(pattern, lowered)), None)
    if canonical in measured:
        return canonical
    if canonical is not None:
        raise NotMeasured(f"{name!r} is the {canonical}, which has no measured result here (measured: {valid})")
    containing = sorted({m for m in measured if lowered in m.lower()})
    if len(containing) == 1:
        return containing[0]
    raise UnknownName(f"no measured accelerator {name!r} here; valid names: {valid}")
