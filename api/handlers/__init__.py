"""Command handlers: plain typed functions of (unit of work, command), one module per concern.
The dispatcher's table (`api.service_layer.routes`) says which handler runs which command."""
