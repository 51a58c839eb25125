"""The official BEiT-3 for `beit3 bench --compare-pytorch`: a worker that times the torchscale model.

Part of beit3-java (beit3-bench). The benchmark starts it only when --compare-pytorch is given; nothing else in
the project needs Python. It builds torchscale's BEiT3 with the configuration of the reference BEiT-3 builders
(microsoft/unilm beit3 `_get_base_config` / `_get_large_config`: multiway, vocabulary 64010, patch 16, no
embedding LayerNorm, final LayerNorm on, no output layer, drop-path 0), random weights, eval mode, and times
one forward pass per request under torch.inference_mode(), so that the Java side can alternate it with its own
runs in the same rounds.

Usage: python3 official_beit3_worker.py --torchscale DIR --threads N [--size base|large|tiny]
  DIR is a torchscale checkout (the folder that holds the `torchscale` package); `tiny` (D 64, 2 layers) exists
  for the project's own test of this script and is never used by the benchmark.

Line protocol (one request per line on stdin, one answer per line on stdout, nothing else on stdout):
  at start             -> "ready torch=<version> threads=<n> blas=<library> omp_wait_policy=<p> shims=<names or ->"
                          or "error missing-module <name>" / "error <message>", then exit 2
  prepare <workload>   -> "ok <seconds to build>"   builds the model and the inputs (not timed by the bench)
  run <workload>       -> "ok <seconds> <peak rss MB>"  one forward pass, timed here with perf_counter
  quit                 -> "bye", exit 0
  anything wrong       -> "error <message>" (the worker stays up)
Workloads: vision<S>_b<B> (B random images of S x S, the model's image-only pass) and text<T>_b<B> (B random
sequences of T token ids in [4, 60000), the text-only pass), the same shapes as the Java workloads.
"""

import argparse
import importlib.util
import math
import os
import re
import resource
import sys
import time
import types

PROTOCOL = sys.stdout
# anything a library prints must not break the protocol: ordinary prints go to stderr
sys.stdout = sys.stderr


def answer(line):
    PROTOCOL.write(line + "\n")
    PROTOCOL.flush()


def shim_missing_modules():
    """Stands in for the modules torchscale imports but BEiT-3 inference never uses, when they are not installed.

    Debian packages torch but not timm, fairscale or einops; torchscale imports all three at module level.
    Each stand-in is installed only when the real module is missing, and covers exactly what the BEiT-3 encoder
    calls with the configuration built here. Returns the names of the stand-ins used.
    """
    used = []
    if importlib.util.find_spec("timm") is None:
        # torchscale.component.droppath imports timm.models.layers.drop_path; the encoder builds DropPath only
        # when drop_path_rate > 0, and it is 0 here (as at inference), so this is never called for real.
        def drop_path(x, drop_prob=0.0, training=False):
            if drop_prob == 0.0 or not training:
                return x
            raise RuntimeError("the timm stand-in of the benchmark worker does not implement training drop-path")

        timm = types.ModuleType("timm")
        timm.models = types.ModuleType("timm.models")
        timm.models.layers = types.ModuleType("timm.models.layers")
        timm.models.layers.drop_path = drop_path
        sys.modules.update({"timm": timm, "timm.models": timm.models, "timm.models.layers": timm.models.layers})
        used.append("timm")
    if importlib.util.find_spec("fairscale") is None:
        # torchscale.architecture.encoder imports fairscale.nn.checkpoint_wrapper and wrap; they are applied
        # only with checkpoint_activations or fsdp, both off here.
        def unavailable(*args, **kwargs):
            raise RuntimeError("fairscale is not installed (the benchmark needs neither activation checkpoints"
                               " nor FSDP)")

        fairscale = types.ModuleType("fairscale")
        fairscale.nn = types.ModuleType("fairscale.nn")
        fairscale.nn.checkpoint_wrapper = unavailable
        fairscale.nn.wrap = unavailable
        sys.modules.update({"fairscale": fairscale, "fairscale.nn": fairscale.nn})
        used.append("fairscale")
    if importlib.util.find_spec("einops") is None:
        # torchscale.component.multihead_attention calls einops.rearrange on every attention (head split and
        # merge, e.g. 'b l (h d) -> (b h) l d'). This does what einops' torch backend does for such patterns:
        # reshape to the elementary axes, permute, reshape to the output groups (the same tensor operations, so
        # the same cost). Named axes and parenthesised groups only.
        einops = types.ModuleType("einops")
        einops.rearrange = rearrange
        sys.modules["einops"] = einops
        used.append("einops")
    return used


def _groups(side):
    groups, current = [], None
    for token in re.findall(r"\(|\)|\w+", side):
        if token == "(":
            current = []
        elif token == ")":
            groups.append(current)
            current = None
        elif current is not None:
            current.append(token)
        else:
            groups.append([token])
    return groups


def rearrange(x, pattern, **sizes):
    """einops.rearrange for patterns of named axes and (groups), e.g. '(b h) l d -> b l (h d)', h=12."""
    left, right = (_groups(side) for side in pattern.split("->"))
    if len(left) != x.dim():
        raise ValueError(f"pattern {pattern!r} has {len(left)} input axes, the tensor {x.dim()}")
    known = dict(sizes)
    for group, dim in zip(left, x.shape):
        unknown = [a for a in group if a not in known]
        product = math.prod(known[a] for a in group if a in known)
        if len(unknown) == 1:
            known[unknown[0]] = dim // product
        elif unknown:
            raise ValueError(f"pattern {pattern!r}: give the size of all but one of {unknown}")
    axes = [a for group in left for a in group]
    order = [a for group in right for a in group]
    x = x.reshape([known[a] for a in axes])
    if order != axes:
        x = x.permute([axes.index(a) for a in order])
    return x.reshape([math.prod(known[a] for a in group) for group in right])


def dimensions(size):
    """(embed dim, layers, heads) of the reference builders; tiny only for the project's test of this script."""
    return {"base": (768, 12, 12), "large": (1024, 24, 16), "tiny": (64, 2, 2)}[size]


WORKLOAD = re.compile(r"(vision|text)(\d+)_b(\d+)$")


class Worker:
    def __init__(self, torch, encoder_config, beit3, size):
        self.torch = torch
        self.encoder_config = encoder_config
        self.beit3 = beit3
        self.size = size
        self.model = None
        self.model_img_size = None
        self.inputs = {}

    def build(self, img_size):
        """Builds the official model at this image size (the reference `_get_base_config` / `_get_large_config`)."""
        dim, layers, heads = dimensions(self.size)
        args = self.encoder_config(
            img_size=img_size, patch_size=16, vocab_size=64010, multiway=True, layernorm_embedding=False,
            normalize_output=True, no_output_layer=True, drop_path_rate=0, encoder_embed_dim=dim,
            encoder_attention_heads=heads, encoder_ffn_embed_dim=4 * dim, encoder_layers=layers,
            checkpoint_activations=None)
        self.model = None  # free the previous one first
        self.model = self.beit3(args).eval()
        self.model_img_size = img_size

    def prepare(self, workload):
        m = WORKLOAD.match(workload)
        if m is None:
            raise ValueError(f"unknown workload {workload!r}: expected vision<S>_b<B> or text<T>_b<B>")
        kind, n, batch = m.group(1), int(m.group(2)), int(m.group(3))
        torch = self.torch
        torch.manual_seed(0)
        if kind == "vision":
            if self.model_img_size != n:
                self.build(n)
            self.inputs[workload] = {"visual_tokens": torch.randn(batch, 3, n, n)}
        else:
            if self.model is None:
                self.build(224)
            self.inputs[workload] = {"textual_tokens": torch.randint(4, 60000, (batch, n), dtype=torch.int64)}

    def run(self, workload):
        inputs = self.inputs.get(workload)
        if inputs is None:
            raise ValueError(f"workload {workload!r} was not prepared")
        if "visual_tokens" in inputs and self.model_img_size != inputs["visual_tokens"].shape[-1]:
            raise ValueError(f"workload {workload!r} was prepared before another image size: prepare it again")
        t0 = time.perf_counter()
        with self.torch.inference_mode():
            self.model(**inputs)["encoder_out"]
        return time.perf_counter() - t0


def blas_library(torch):
    """The BLAS the interpreter's torch multiplies with, from the libraries mapped after one product.

    Debian's python3-torch calls the system libblas.so.3, which is Debian's reference implementation (package
    libblas3, tens of times slower) unless an optimised one such as libopenblas0-pthread provides it; liblapack.so.3
    is chosen separately, so an OpenBLAS mapped for LAPACK says nothing about the products. Answers e.g.
    'openblas-pthread/libblas.so.3', 'reference:/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0', the optimised
    libraries mapped when no libblas.so is (e.g. 'libmkl_rt.so'), or 'built-in' (a torch with its BLAS linked in).
    """
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if line.split()[-1].startswith("/")}
    except OSError:
        return "unknown"
    blas = sorted({os.path.realpath(p) for p in paths if os.path.basename(p).startswith("libblas.so")})
    if blas:
        folder = os.path.basename(os.path.dirname(blas[0]))
        if folder == "blas":  # Debian's /usr/lib/<triplet>/blas/: the reference implementation
            return "reference:" + blas[0]
        return folder + "/" + os.path.basename(blas[0])
    names = sorted({os.path.basename(os.path.realpath(p)) for p in paths})
    fast = [n for n in names if "openblas" in n or "mkl" in n or "blis" in n]
    return ",".join(fast) if fast else "built-in"


def configure_threads(threads):
    """Gives torch's two thread pools the bench's thread budget, before torch loads (both read it at load).

    Debian's torch runs its own ops on an OpenMP pool and its matrix products on OpenBLAS's pthreads pool. By
    default an idle OpenMP worker spins after each parallel region and takes a core from OpenBLAS: measured here,
    one vision 224 batch-1 pass took 0.85-3.1 s with libgomp's default policy and 0.28 s with PASSIVE. So the wait
    policy is PASSIVE unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set (the rule of the beit3 launcher, which the
    Java side runs under too), and both pools get the same thread count as ours. Returns the policy in force.
    """
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    return os.environ.get("OMP_WAIT_POLICY", "default") if "GOMP_SPINCOUNT" not in os.environ else "GOMP_SPINCOUNT"


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--torchscale", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--size", choices=["base", "large", "tiny"], default="base")
    a = p.parse_args()
    wait_policy = configure_threads(a.threads)
    try:
        import torch
    except ImportError as e:
        answer(f"error missing-module {getattr(e, 'name', None) or 'torch'}")
        return 2
    try:
        import numpy  # noqa: F401 (torchscale's encoder imports it)
    except ImportError:
        answer("error missing-module numpy")
        return 2
    if not os.path.isfile(os.path.join(a.torchscale, "torchscale", "model", "BEiT3.py")):
        answer("error missing-module torchscale")
        return 2
    sys.path.insert(0, os.path.abspath(a.torchscale))
    shims = shim_missing_modules()
    try:
        from torchscale.architecture.config import EncoderConfig
        from torchscale.model.BEiT3 import BEiT3
    except ImportError as e:
        answer(f"error missing-module {getattr(e, 'name', None) or e}")
        return 2
    except Exception as e:  # a checkout that does not import for another reason
        answer(f"error torchscale from {a.torchscale} does not import: {type(e).__name__}: {e}")
        return 2
    torch.set_num_threads(a.threads)
    worker = Worker(torch, EncoderConfig, BEiT3, a.size)
    answer(f"ready torch={torch.__version__} threads={torch.get_num_threads()} blas={blas_library(torch)}"
           f" omp_wait_policy={wait_policy} shims={','.join(shims) or '-'}")
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "quit":
                answer("bye")
                return 0
            if words[0] == "prepare" and len(words) == 2:
                t0 = time.perf_counter()
                worker.prepare(words[1])
                answer(f"ok {time.perf_counter() - t0:.6f}")
            elif words[0] == "run" and len(words) == 2:
                seconds = worker.run(words[1])
                answer(f"ok {seconds:.6f} {peak_rss_mb():.1f}")
            else:
                answer(f"error unknown request {line.strip()!r}: expected prepare|run <workload> or quit")
        except Exception as e:
            answer(f"error {type(e).__name__}: {e}".replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
