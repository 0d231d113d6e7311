"""3-D views: pad3 fills missing axes with zeros and drops axes past the third."""

from __future__ import annotations

import numpy as np

from model.project import pad3


def test_pad3_fills_and_truncates_to_three_axes():
    two = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(pad3(two), [[1, 2, 0], [3, 4, 0]])
    three = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(pad3(three), three)
    five = np.arange(10.0).reshape(1, 2, 5)  # leading axes are kept
    np.testing.assert_array_equal(pad3(five), five[..., :3])
    assert pad3(np.array([7.0])).tolist() == [7.0, 0.0, 0.0]
