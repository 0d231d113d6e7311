"""The one declaration of which trained states a scene shows: the StatesScene mixin."""

from __future__ import annotations

from model.sources import StatesSource
from model.states import States, StatesError

__all__ = ["StatesScene"]


class StatesScene:
    """Mixin for a scene that shows trained states: declare them once in ``states_sources``.

    ``construct()`` reads them with :meth:`states`; the batch renderer reads the
    same ``states_sources`` to train, hash and ship them. :meth:`with_states`
    makes a copy of a scene class that shows other states (a user's file)::

        class MyScene(StatesScene, Scene):
            states_sources = (Preset("spirals2d"),)

            def construct(self):
                states = self.states()  # trained and cached on first use
    """

    states_sources: tuple[StatesSource, ...] = ()

    def states(self, index: int = 0, progress: bool = True) -> States:
        """The states of ``states_sources[index]``, loaded (and trained) once per scene.

        A states file the user named that is missing or invalid stops the render
        with one line (``error: ...``), not a traceback.
        """
        cache = self.__dict__.setdefault("_loaded_states", {})
        if index not in cache:
            try:
                cache[index] = self.states_sources[index].load(progress=progress)
            except StatesError as err:
                raise SystemExit(f"error: {err}") from None
        return cache[index]

    @classmethod
    def with_states(cls, *sources: StatesSource) -> type:
        """A subclass of this scene, same name, that shows ``sources`` instead."""
        attrs = {"states_sources": tuple(sources), "__module__": cls.__module__,
                 "__doc__": cls.__doc__, "__qualname__": cls.__qualname__}  # fmt: skip
        return type(cls.__name__, (cls,), attrs)
