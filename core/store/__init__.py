"""Storage backends behind one protocol (:mod:`core.store.base`)."""
