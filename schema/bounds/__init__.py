"""Static request bounds: what one request may weigh, and the cache of checked documents."""
