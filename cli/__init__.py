"""The command-line front end: ``python -m cli {ask,check,audit,ingest,manifest}``.

It lives above the library (``core``, ``ingest``, ``chatbot``) beside ``evals`` and ``app``: each
command parses its arguments, builds its parts with ``services.build_services`` and prints. The
library never imports this package or ``services`` (``tests/test_layers.py`` checks it), so it
receives every part as an argument and has no second composition root of its own.
"""
