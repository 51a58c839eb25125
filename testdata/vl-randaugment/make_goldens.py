# Goldens for VlRandomAugmentTest: the operations of the vision-language recipes' RandomAugment (BEiT-3's
# randaug.py, from BLIP) applied with OpenCV 4.6 / NumPy (Debian 12 python3-opencv) to the picture of
# ../randaugment/input.rgb, at the recipe's magnitude 7: enhance factor 1.36 (and 0.46), shear 0.21,
# translate 7 px, rotate 21 degrees, fill (128, 128, 128). Run: /usr/bin/python3 make_goldens.py
import json
import cv2
import numpy as np

W, H = 23, 17
img = np.frombuffer(open('../randaugment/input.rgb', 'rb').read(), dtype=np.uint8).reshape(H, W, 3).copy()
FILL = (128, 128, 128)
black = img.copy()
black[0, 0] = 0  # every channel reaches 0: the reference's autocontrast then stretches as intended
open('input_black.rgb', 'wb').write(black.tobytes())


def lut_per_channel(im, make):
    return cv2.merge([make(ch)[ch] for ch in cv2.split(im)])


def autocontrast(im):
    def table(ch):
        hi, lo = ch.max(), ch.min()
        if hi <= lo:
            return np.arange(256).clip(0, 255).astype(np.uint8)
        scale = 255 / (hi - lo)
        offset = -lo * scale  # as the reference: -lo is computed in uint8 and wraps to 256 - lo
        t = np.arange(256) * scale + offset
        t[t < 0] = 0
        t[t > 255] = 255
        return t.clip(0, 255).astype(np.uint8)
    return lut_per_channel(im, table)


def equalize(im):
    out = []
    for ch in cv2.split(im):
        hist = cv2.calcHist([ch], [0], None, [256], [0, 256])
        nz = hist[hist != 0].reshape(-1)
        step = np.sum(nz[:-1]) // 255
        if step == 0:
            out.append(ch)
            continue
        n = np.empty_like(hist)
        n[0] = step // 2
        n[1:] = hist[:-1]
        out.append((np.cumsum(n) // step).clip(0, 255).astype(np.uint8)[ch])
    return cv2.merge(out)


def brightness(im, f):
    return (np.arange(256, dtype=np.float32) * f).clip(0, 255).astype(np.uint8)[im]


def sharpness(im, f):
    k = np.ones((3, 3), dtype=np.float32)
    k[1][1] = 5
    k /= 13
    deg = cv2.filter2D(im, -1, k)
    out = im.astype(np.float32)
    d = deg.astype(np.float32)[1:-1, 1:-1, :]
    out[1:-1, 1:-1, :] = d + f * (out[1:-1, 1:-1, :] - d)
    return out.astype(np.uint8)


def warp(im, m):
    return cv2.warpAffine(im, m, (W, H), borderValue=FILL, flags=cv2.INTER_LINEAR).astype(np.uint8)


def rotate(im, deg):
    return cv2.warpAffine(im, cv2.getRotationMatrix2D((W / 2, H / 2), deg, 1), (W, H), borderValue=FILL)


cases = [
    ('autocontrast', 'AutoContrast', 0, lambda a: autocontrast(img)),
    ('autocontrast_black', 'AutoContrast', 0, lambda a: autocontrast(black)),
    ('equalize', 'Equalize', 0, lambda a: equalize(img)),
    ('brightness_1.36', 'Brightness', 1.36, lambda a: brightness(img, a)),
    ('brightness_0.46', 'Brightness', 0.46, lambda a: brightness(img, a)),
    ('sharpness_1.36', 'Sharpness', 1.36, lambda a: sharpness(img, a)),
    ('sharpness_0.46', 'Sharpness', 0.46, lambda a: sharpness(img, a)),
    ('shear_x_0.21', 'ShearX', 0.21, lambda a: warp(img, np.float32([[1, a, 0], [0, 1, 0]]))),
    ('shear_x_-0.21', 'ShearX', -0.21, lambda a: warp(img, np.float32([[1, a, 0], [0, 1, 0]]))),
    ('shear_y_0.21', 'ShearY', 0.21, lambda a: warp(img, np.float32([[1, 0, 0], [a, 1, 0]]))),
    ('translate_x_7', 'TranslateX', 7.0, lambda a: warp(img, np.float32([[1, 0, -a], [0, 1, 0]]))),
    ('translate_y_-7', 'TranslateY', -7.0, lambda a: warp(img, np.float32([[1, 0, 0], [0, 1, -a]]))),
    ('rotate_21', 'Rotate', 21.0, lambda a: rotate(img, a)),
    ('rotate_-21', 'Rotate', -21.0, lambda a: rotate(img, a)),
]
index = []
for name, op, arg, fn in cases:
    out = np.ascontiguousarray(fn(arg))
    assert out.dtype == np.uint8 and out.shape == (H, W, 3)
    open(name + '.rgb', 'wb').write(out.tobytes())
    row = {'name': name, 'op': op, 'arg': arg, 'file': name + '.rgb'}
    if name.endswith('_black'):
        row['input'] = 'input_black.rgb'
    index.append(row)
json.dump({'width': W, 'height': H, 'fill': FILL, 'opencv': cv2.__version__, 'input': '../randaugment/input.rgb',
           'cases': index}, open('cases.json', 'w'), indent=1)
print('ok', cv2.__version__)
