"""The interactive dashboard (Solara), built on zili.report and the public API, never on zili.model.

Start it with ``zili app``; the page is :mod:`zili.app.main`.
"""
