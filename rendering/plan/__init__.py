"""What to render, and whether it is current: the scenes, the options, the stamps, the cuts."""
