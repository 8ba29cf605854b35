"""Publishing channels: one module per channel behind the small interface in `base`."""
