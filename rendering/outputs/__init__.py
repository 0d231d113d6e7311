"""What a render leaves: the encoders, the GIF, the gallery and interactive pages, measurements."""
