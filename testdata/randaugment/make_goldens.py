# Makes the RandAugment goldens: each operation of timm's rand-m9-mstd0.5-inc1 applied by Pillow to one input
# picture with fixed arguments. Run with Pillow 9.4 (Debian 12 python3-pil): /usr/bin/python3 make_goldens.py
# Output: input.rgb + one .rgb per case (raw RGB rows) and cases.json (name, op, argument, file, size).
import json, math, random
from PIL import Image, ImageOps, ImageEnhance

W, H = 23, 17
rng = random.Random(5)
px = []
for y in range(H):
    for x in range(W):
        base = (x * 11 + y * 7) % 256
        px.append((30 + base % 150 + rng.randrange(0, 40), 50 + (150 - 7 * y + rng.randrange(0, 30)) % 120,
                   20 + (x * y * 3 + rng.randrange(0, 60)) % 170))
img = Image.new('RGB', (W, H))
img.putdata(px)
FILL = (124, 116, 104)  # round(255 * ImageNet mean)
BICUBIC = Image.BICUBIC

def affine(m): return img.transform(img.size, Image.AFFINE, m, resample=BICUBIC, fillcolor=FILL)
def solarize_add(add, thresh=128):
    lut = [min(255, i + add) if i < thresh else i for i in range(256)]
    return img.point(lut * 3)

cases = [
    ('autocontrast', 'AutoContrast', 0, lambda a: ImageOps.autocontrast(img)),
    ('equalize', 'Equalize', 0, lambda a: ImageOps.equalize(img)),
    ('invert', 'Invert', 0, lambda a: ImageOps.invert(img)),
    ('posterize_1', 'Posterize', 1, lambda a: ImageOps.posterize(img, a)),
    ('posterize_3', 'Posterize', 3, lambda a: ImageOps.posterize(img, a)),
    ('solarize_40', 'Solarize', 40, lambda a: ImageOps.solarize(img, a)),
    ('solarize_200', 'Solarize', 200, lambda a: ImageOps.solarize(img, a)),
    ('solarize_add_99', 'SolarizeAdd', 99, lambda a: solarize_add(a)),
    ('color_0.19', 'Color', 0.19, lambda a: ImageEnhance.Color(img).enhance(a)),
    ('color_1.81', 'Color', 1.81, lambda a: ImageEnhance.Color(img).enhance(a)),
    ('contrast_0.37', 'Contrast', 0.37, lambda a: ImageEnhance.Contrast(img).enhance(a)),
    ('contrast_1.73', 'Contrast', 1.73, lambda a: ImageEnhance.Contrast(img).enhance(a)),
    ('brightness_0.28', 'Brightness', 0.28, lambda a: ImageEnhance.Brightness(img).enhance(a)),
    ('brightness_1.9', 'Brightness', 1.9, lambda a: ImageEnhance.Brightness(img).enhance(a)),
    ('sharpness_0.1', 'Sharpness', 0.1, lambda a: ImageEnhance.Sharpness(img).enhance(a)),
    ('sharpness_1.85', 'Sharpness', 1.85, lambda a: ImageEnhance.Sharpness(img).enhance(a)),
    ('rotate_27', 'Rotate', 27.0, lambda a: img.rotate(a, resample=BICUBIC, fillcolor=FILL)),
    ('rotate_-13.5', 'Rotate', -13.5, lambda a: img.rotate(a, resample=BICUBIC, fillcolor=FILL)),
    ('shear_x_0.27', 'ShearX', 0.27, lambda a: affine((1, a, 0, 0, 1, 0))),
    ('shear_y_-0.21', 'ShearY', -0.21, lambda a: affine((1, 0, 0, a, 1, 0))),
    ('translate_x_0.4', 'TranslateXRel', 0.4, lambda a: affine((1, 0, a * W, 0, 1, 0))),
    ('translate_y_-0.33', 'TranslateYRel', -0.33, lambda a: affine((1, 0, 0, 0, 1, a * H))),
]
img.save('input.png')
open('input.rgb', 'wb').write(img.tobytes())
index = []
for name, op, arg, fn in cases:
    out = fn(arg)
    assert out.mode == 'RGB' and out.size == (W, H)
    open(name + '.rgb', 'wb').write(out.tobytes())
    index.append({'name': name, 'op': op, 'arg': arg, 'file': name + '.rgb'})
json.dump({'width': W, 'height': H, 'fill': FILL, 'pillow': Image.__version__, 'input': 'input.rgb',
           'cases': index}, open('cases.json', 'w'), indent=1)
