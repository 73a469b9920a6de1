"""The book's `common` package (functions, gradient, layers, optimizer, util,
multi_layer_net, multi_layer_net_extend, trainer) on scratchgrad."""
