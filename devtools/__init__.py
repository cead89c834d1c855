"""Stand-ins for external services that cannot run here, shared by ``tests/`` and ``benchmarks/``.

Neither the engine (``core/``) nor the lab (``app.py``, ``pages/``, ``lab/``) imports this package,
and it imports neither ``tests`` nor ``benchmarks`` (``tests/test_boundaries.py`` checks); it is not
installed with the engine (``pyproject.toml`` packages ``core`` and ``lab`` only).

- :mod:`devtools.fake_openai`: a real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions
  API, scripted per test, that the real ``openai`` client talks to.
"""
