# Makes a tiny TorchScript visual tokenizer and its goldens for TorchScriptVisualTokenizerTest:
# patch-mean colours (16x16 patches) matched to the nearest of 8 codebook colours, exported with torch.jit.script.
# Run with Debian 12's python3-torch (1.13): /usr/bin/python3 make_tokenizer.py
import numpy as np
import torch
import torch.nn.functional as F


class PatchColourCodebook(torch.nn.Module):
    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        self.register_buffer('codebook', torch.rand(8, 3, generator=g) * 4 - 2)  # (K, 3) in normalised units

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        means = F.avg_pool2d(images, 16)                     # (B, 3, G, G)
        b = means.shape[0]
        flat = means.flatten(2).transpose(1, 2)              # (B, N, 3), patch k = row * G + col
        d = ((flat[:, :, None, :] - self.codebook[None, None, :, :]) ** 2).sum(-1)  # (B, N, K)
        return d.argmin(-1)                                  # (B, N) int64


m = torch.jit.script(PatchColourCodebook())
m.save('colour8.pt')
gen = torch.Generator().manual_seed(5)
patches = torch.rand(2, 3, 4, 4, generator=gen) * 4 - 2                    # one colour per 16x16 patch
x = F.interpolate(patches, scale_factor=16, mode='nearest') + torch.randn(2, 3, 64, 64, generator=gen) * 0.3
ids = m(x)
np.save('input.npy', x.numpy().astype(np.float32))
np.save('ids.npy', ids.numpy().astype(np.int64))
print('torch', torch.__version__, 'ids', ids.tolist())
