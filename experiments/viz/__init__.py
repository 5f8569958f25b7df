"""`kizuna viz`: a Mesa SolaraViz app for watching a town live in the browser.

One concept per module: ``town`` (the model built from the controls), ``controls``
(Mesa's parameter inputs, filled from a scenario file), ``live`` (changes to a running
town: paths on and off, a disaster now), ``states`` (what colour a resident is),
``map``, ``charts`` and ``challenges`` (what the page draws), ``app`` (the page),
``assets`` (the browser's files, for machines without the internet), ``server`` and
``cli`` (the command).
"""
