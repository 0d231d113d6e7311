"""Drawing with manim. The modules, one job each:

- ``scene``: a scene's plan (frames per play) and its frames, any range of its plays;
- ``chunk``: a chunk drawn into its outputs: planned, open (chunk 0), whole, transparent;
- ``messages``: the plan and the cut between the batch and an open chunk 0;
- ``patches``: every patch this package makes to manim.
"""
