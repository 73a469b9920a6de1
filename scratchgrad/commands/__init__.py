"""One module per `scratchgrad` sub-command; each is a few calls into the libraries."""
