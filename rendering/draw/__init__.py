"""Drawing with manim: a whole scene, a chunk of one, and every patch to manim in one module."""
