"""The scene library: everything a scene of trained states draws, in one public API.

Import from here (``from scenes.lib import NetworkView, StageByStage``); the
names in ``__all__`` are the API for your own scenes (README, "Your own
scene"). The modules, one job each:

- ``palette``: colours, themes and fonts;
- ``viewport``: data coordinates to scene coordinates (flat and oblique);
- ``mobjects``: point clouds, warped grids, shaded surfaces;
- ``fast_paths`` (with ``dots`` and ``polylines``): how the camera draws them fast;
- ``network_view``: a network's points and grid carried stage by stage;
- ``network_diagram``: a network as neurons and edges, edges from its weights;
- ``boundaries``: class maps, decision lines and planes;
- ``rulers``: numbered ticks on a plot square's edges that follow a zooming view, and
  the wire box with ticks around a 3-D cloud;
- ``captions``: captions, numbers, legends, class names;
- ``charts``: a training curve (held-out accuracy over the steps);
- ``images``: digits, a user's images and weight templates as pixels and tiles;
- ``formulas``: typeset math (MathTex, matrices, numbers), plain text without TeX;
- ``equations``: a layer's equation on screen, the current stage's term lit;
- ``clusters``: class centres in a shown 3-D view, sentences about them, riders;
- ``states``: the ``StatesScene`` mixin, a scene's one declaration of its states;
- ``storyboards``, ``storyboards_3d``: whole scenes with named hooks, to subclass;
- ``narration``, ``voice``: ``with self.voiceover(text):`` beside the animation, the voice;
- ``compat``: the manim/Pillow image fix, installed by an explicit call.
"""

from __future__ import annotations

from model.sources import EnvStatesFile, Preset, StatesFile, StatesSource
from scenes.lib.boundaries import (
    box_plane_polygon,
    class_image,
    class_regions,
    decision_line,
    decision_regions,
    half_planes,
    input_regions,
    output_plane,
    output_regions,
    plane_grid,
    regions_in_view,
)
from scenes.lib.captions import (
    Caption,
    Fade,
    change_caption_in_frame,
    class_names,
    fixed_in_frame,
    legend,
    network_text,
    side_legend,
    text,
    text_units,
    variance_kept,
    view_note,
)
from scenes.lib.charts import AccuracyChart
from scenes.lib.clusters import (
    best_stage,
    camera_rotation,
    centroids,
    closest_pairs,
    cluster_words,
    neighbour_sentence,
    own_centre_share,
    rider_indices,
    ring_positions,
    ring_riders,
    spread_view,
)
from scenes.lib.compat import install_compat
from scenes.lib.equations import LayerEquation, activation_tex, layer_formula, stage_detail
from scenes.lib.formulas import (
    formula,
    labelled,
    matrix,
    matrix_rows,
    number,
    plain_text,
    tex_available,
)
from scenes.lib.images import (
    SIDE,
    digit_rgba,
    digit_squares,
    digit_tile,
    image_mobject,
    image_shape,
    input_values,
    rgb_array,
    standardizing,
    template_rgba,
)
from scenes.lib.mobjects import (
    PointCloud,
    WarpedGrid,
    WarpedSurface,
    grid_lines,
    mesh_nodes,
    show_instead,
)
from scenes.lib.narration import Narrated, Tracker, layer_words, paced, spoken_count
from scenes.lib.network_diagram import NetworkDiagram, weight_colors
from scenes.lib.network_view import NetworkView, StageMorph, TiltedView, moving_stages
from scenes.lib.palette import MONO, SANS, THEMES, Palette, apply_theme, palette, theme_name
from scenes.lib.rulers import ExtentBox, Rulers
from scenes.lib.states import StatesScene
from scenes.lib.storyboards import BoundaryOverTraining, PanelsOverTraining, StageByStage
from scenes.lib.storyboards_3d import Scene3D, StageByStage3D
from scenes.lib.viewport import TiltedViewport, Viewport, tilt_rotation

__all__ = [
    "MONO",
    "SANS",
    "SIDE",
    "THEMES",
    "AccuracyChart",
    "BoundaryOverTraining",
    "Caption",
    "EnvStatesFile",
    "ExtentBox",
    "Fade",
    "LayerEquation",
    "Narrated",
    "NetworkDiagram",
    "NetworkView",
    "Palette",
    "PanelsOverTraining",
    "PointCloud",
    "Preset",
    "Rulers",
    "Scene3D",
    "StageByStage",
    "StageByStage3D",
    "StageMorph",
    "StatesFile",
    "StatesScene",
    "StatesSource",
    "TiltedView",
    "TiltedViewport",
    "Tracker",
    "Viewport",
    "WarpedGrid",
    "WarpedSurface",
    "activation_tex",
    "apply_theme",
    "best_stage",
    "box_plane_polygon",
    "camera_rotation",
    "centroids",
    "change_caption_in_frame",
    "class_image",
    "class_names",
    "class_regions",
    "closest_pairs",
    "cluster_words",
    "decision_line",
    "decision_regions",
    "digit_rgba",
    "digit_squares",
    "digit_tile",
    "fixed_in_frame",
    "formula",
    "grid_lines",
    "half_planes",
    "image_mobject",
    "image_shape",
    "input_regions",
    "input_values",
    "install_compat",
    "labelled",
    "layer_formula",
    "layer_words",
    "legend",
    "matrix",
    "matrix_rows",
    "mesh_nodes",
    "moving_stages",
    "neighbour_sentence",
    "network_text",
    "number",
    "output_plane",
    "output_regions",
    "own_centre_share",
    "paced",
    "palette",
    "plain_text",
    "plane_grid",
    "regions_in_view",
    "rgb_array",
    "rider_indices",
    "ring_positions",
    "ring_riders",
    "show_instead",
    "side_legend",
    "spoken_count",
    "spread_view",
    "stage_detail",
    "standardizing",
    "template_rgba",
    "tex_available",
    "text",
    "text_units",
    "theme_name",
    "tilt_rotation",
    "variance_kept",
    "view_note",
    "weight_colors",
]
