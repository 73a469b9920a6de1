"""torchvision's `transforms` for arrays: what turns an MNIST image into a model input.

Images come from `scratchgrad.vision.datasets` as uint8 arrays (H, W) (torchvision hands
out PIL images; the numbers are the same). `ToTensor` makes a float tensor (C, H, W) in
[0, 1]; `Normalize` subtracts a mean and divides by a std per channel; `Lambda` wraps
a function of yours.
"""

import numpy as np

from ..autograd import Tensor, get_default_dtype
from ..autograd.backend import namespace


class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self):
        return f"Compose({self.transforms!r})"


class Lambda:
    """A function of yours as a transform (`Lambda(lambda y: ...)`), as torchvision's."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda needs a function, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, image):
        return self.lambd(image)

    def __repr__(self):
        return "Lambda()"


class ToTensor:
    """uint8 (H, W) or (H, W, C) -> float tensor (C, H, W) in [0, 1] (default dtype)."""

    def __call__(self, image):
        array = np.asarray(image)
        if array.ndim == 2:
            array = array[None]
        elif array.ndim == 3:
            array = array.transpose(2, 0, 1)
        else:
            raise ValueError(
                f"ToTensor expects an image (H, W) or (H, W, C), got shape {array.shape}"
            )
        scale = 255.0 if array.dtype == np.uint8 else 1.0
        return Tensor(array.astype(get_default_dtype()) / scale)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(x - mean) / std per channel (`mean`, `std`: one number per channel)."""

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1, 1, 1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1, 1, 1)
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must not be 0, got {std}")

    def __call__(self, tensor):
        data = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
        if (
            data.ndim != 3
            or data.shape[0] not in (1, len(self.mean))
            or len(self.mean) not in (1, data.shape[0])
        ):
            raise ValueError(
                f"Normalize: expected a (C, H, W) image with {len(self.mean)} "
                f"channel(s), got shape {data.shape}"
            )
        xp = namespace(data)  # a GPU image is normalised there
        mean, std = xp.asarray(self.mean), xp.asarray(self.std)
        return Tensor(((data - mean) / std).astype(data.dtype))

    def __repr__(self):
        return f"Normalize(mean={self.mean.ravel().tolist()}, std={self.std.ravel().tolist()})"
