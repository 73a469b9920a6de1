"""The book's modules, for code written with *Deep Learning from Scratch*
(밑바닥부터 시작하는 딥러닝): put `scratchgrad.book.` in front of its imports.

    from common.layers import Affine, Relu, SoftmaxWithLoss
    from common.optimizer import Adam
    from dataset.mnist import load_mnist
becomes
    from scratchgrad.book.common.layers import Affine, Relu, SoftmaxWithLoss
    from scratchgrad.book.common.optimizer import Adam
    from scratchgrad.book.dataset.mnist import load_mnist

and the rest of the code runs as it is, with the book's numbers: the same names,
arguments, attributes and numpy arrays in and out. Underneath, the layers' backward
passes are scratchgrad's op table and graph walker (each forward records a small graph,
each backward walks it), so the derivatives are the ones its tests check against
central differences and PyTorch.
"""
