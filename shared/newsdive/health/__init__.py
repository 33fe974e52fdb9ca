"""Source health: notice when a source breaks, and publish every source's status."""
