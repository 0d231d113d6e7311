"""Typeset math: MathTex and DecimalMatrix with TeX, one warning and plain text without it."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from manim import DecimalMatrix, MathTex, Text

from scenes.lib import formulas
from scenes.lib.formulas import formula, matrix, number, plain_text, tex_available


@pytest.fixture
def no_tex(monkeypatch):
    """A machine without latex: the check runs again and finds nothing."""
    monkeypatch.setattr(formulas.shutil, "which", lambda _tool: None)
    monkeypatch.setattr(formulas, "_TEX", {})
    yield
    formulas._TEX.clear()  # the next test checks the real machine again


def test_plain_text_reads_like_the_formula():
    assert plain_text(r"h_2 = \tanh(W_2 h_1 + b_2)") == "h₂ = tanh(W₂ h₁ + b₂)"
    assert plain_text(r"\sqrt{x^2 + y^2}") == "sqrt(x² + y²)"
    assert plain_text(r"\operatorname{ReLU}(W_{10} x)") == "ReLU(W₁₀ x)"
    assert plain_text(r"W_1 \in \mathbb{R}^{128 \times 784}") == "W₁ ∈ ℝ^(128 × 784)"


def test_without_tex_one_warning_line_and_plain_text(no_tex, caplog):
    with caplog.at_level(logging.WARNING, logger="manim"):
        eq = formula("h_{1}", "=", r"\tanh(", "W_{1}", "x", "+", "b_{1}", ")", color="#ffffff")
        w = matrix(np.array([[1.0, -0.6], [0.25, 2.0]]), "#ffffff")
        n = number(2.6, "#ffffff", 1)
        assert not tex_available()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "\n" not in message and "latex" in message and "setup.sh" in message
    # the parts keep their places: part i is the glyphs of the i-th argument
    assert isinstance(eq, Text) and eq.original_text == "h₁ = tanh(W₁x + b₁)"
    assert [len(part) for part in eq] == [2, 1, 5, 2, 1, 1, 2, 1]
    cells = [t.text for t in w.get_family() if isinstance(t, Text)]
    assert cells == ["1.00", "-0.60", "0.25", "2.00"]
    left = [t for t in w.get_family() if isinstance(t, Text)]
    assert left[0].get_right()[0] < left[1].get_left()[0]  # a row reads left to right
    assert left[0].get_bottom()[1] > left[2].get_top()[1]  # rows one under the other
    assert n.text == "2.6"


@pytest.mark.skipif(not tex_available(), reason="no TeX on this machine")
def test_with_tex_parts_matrices_and_numbers_are_typeset():
    eq = formula("h_{1}", "=", r"\tanh(", "W_{1}", "x", "+", "b_{1}", ")", color="#ffffff")
    assert isinstance(eq, MathTex) and len(eq) == 8
    assert eq[3].get_left()[0] > eq[2].get_right()[0] - 1e-6  # W after tanh(
    values = np.array([[1.234, -2.5], [0.1, 3.3]])
    w = matrix(values, "#ffffff")
    assert isinstance(w, DecimalMatrix)
    shown = [float(e.get_value()) for e in w.get_entries()]
    assert np.allclose(shown, values.ravel())
    column = matrix(np.array([0.5, -0.3]), "#ffffff")
    assert len(column.get_rows()) == 2 and len(column.get_columns()) == 1
    assert float(number(2.6, "#ffffff", 1).get_value()) == pytest.approx(2.6)


@pytest.mark.skipif(not tex_available(), reason="no TeX on this machine")
def test_a_formula_is_made_once_then_copied():
    formulas._MADE.clear()
    first = formula("a", "+", "b", color="#ffffff")
    made = len(formulas._MADE)
    again = formula("a", "+", "b", color="#ffffff")
    assert len(formulas._MADE) == made and again is not first
    assert np.allclose(first.get_all_points(), again.get_all_points())


def test_a_tex_that_fails_on_the_template_is_one_warning_too(monkeypatch, caplog):
    """latex found but manim's template does not compile (no standalone.cls, say)."""

    def broken(*_args, **_kwargs):
        raise ValueError("LaTeX compilation error: standalone.cls not found\nmore context")

    monkeypatch.setattr(formulas.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr(formulas, "MathTex", broken)
    monkeypatch.setattr(formulas, "_TEX", {})
    with caplog.at_level(logging.WARNING, logger="manim"):
        eq = formula("x", "+", "1", color="#ffffff")
    formulas._TEX.clear()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "standalone.cls" in warnings[0] and "\n" not in warnings[0]
    assert isinstance(eq, Text) and eq.original_text == "x + 1"


def test_every_render_takes_its_svgs_from_one_shared_folder(monkeypatch, tmp_path):
    # render.py gives every scene its own media folder (removed after): manim's own cache
    # there made every scene, chunk and worker run LaTeX again for the same strings.
    from manim import config
    from manim.mobject.text import tex_mobject

    if not tex_available():
        pytest.skip("no TeX on this machine")
    shared = tmp_path / "Tex"
    monkeypatch.setattr(formulas, "TEX_CACHE", shared)
    monkeypatch.setattr(config, "tex_dir", str(tmp_path / "scene-media" / "Tex"))
    wrapped = tex_mobject.tex_to_svg_file
    assert getattr(wrapped, "shared", False)

    first = MathTex(r"\alpha_{shared} + 1")
    svgs = list(shared.glob("*.svg"))
    assert len(svgs) == 1 and not list(shared.glob(".typesetting-*"))  # private folder gone
    assert not (tmp_path / "scene-media").exists()  # nothing in the scene's own folder

    from manim.utils import tex_file_writing

    def no_latex(*_args, **_kwargs):
        raise AssertionError("LaTeX ran again")

    monkeypatch.setattr(tex_file_writing, "compile_tex", no_latex)
    monkeypatch.setattr(config, "tex_dir", str(tmp_path / "another-scene" / "Tex"))
    again = MathTex(r"\alpha_{shared} + 1")  # another scene, chunk or worker: the same file
    assert np.allclose(again.get_all_points(), first.get_all_points())
