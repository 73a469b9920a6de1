"""The book's `MultiLayerNetExtend`: `MultiLayerNet` with weight decay, dropout and
batch normalization switched on by its arguments (the book's `dropout_ration`
spelling kept)."""

from .multi_layer_net import MultiLayerNet


class MultiLayerNetExtend(MultiLayerNet):
    """MultiLayerNetExtend(input_size, hidden_size_list, output_size, activation='relu',
    weight_init_std='relu', weight_decay_lambda=0, use_dropout=False,
    dropout_ration=0.5, use_batchnorm=False): the book's arguments, in its order; the
    network is MultiLayerNet's, which takes them all."""
