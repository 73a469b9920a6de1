"""The book's `MultiLayerNetExtend`: `MultiLayerNet` with weight decay, dropout and
batch normalization switched on by its arguments (the book's `dropout_ration`
spelling kept)."""

from .multi_layer_net import MultiLayerNet


class MultiLayerNetExtend(MultiLayerNet):
    """MultiLayerNet(..., use_dropout=, dropout_ration=, use_batchnorm=) positionally,
    as the book's constructor takes them."""

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0,
        use_dropout=False,
        dropout_ration=0.5,
        use_batchnorm=False,
    ):
        super().__init__(
            input_size,
            hidden_size_list,
            output_size,
            activation,
            weight_init_std,
            weight_decay_lambda,
            use_dropout=use_dropout,
            dropout_ration=dropout_ration,
            use_batchnorm=use_batchnorm,
        )
